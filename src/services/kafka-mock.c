/*
 * A Kafka-protocol broker for tests and local runs: librdkafka's mock cluster
 * (rdkafka_mock.h) in a process of its own. No Apache Kafka or Redpanda can be
 * installed on the machines this project is built on; clients speak the
 * standard Kafka protocol to it, so the same code runs against real brokers.
 *
 *   kafka-mock <brokers>
 *
 * Prints "bootstraps <host:port,...>" once listening, then reads commands,
 * one per line, on stdin and answers each with "ok" or "error <reason>":
 *   topic <name> <partitions>   create a topic (the mock lacks CreateTopics)
 *   down <broker id | -1>       disconnect a broker and refuse connections
 *   up <broker id | -1>         accept connections again
 * It exits when stdin closes or on "quit".
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  int brokers = argc > 1 ? atoi(argv[1]) : 1;
  if (brokers < 1) brokers = 1;
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* the mock cluster needs a client instance for its bookkeeping; it is never used */
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == NULL) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (mc == NULL) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  printf("bootstraps %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char cmd[32], name[512];
    int n = 0;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (sscanf(line, "topic %511s %d", name, &n) == 2) {
      e = rd_kafka_mock_topic_create(mc, name, n, 1);
    } else if (sscanf(line, "down %d", &n) == 1) {
      e = rd_kafka_mock_broker_set_down(mc, n);
    } else if (sscanf(line, "up %d", &n) == 1) {
      e = rd_kafka_mock_broker_set_up(mc, n);
    } else if (sscanf(line, "%31s", cmd) == 1 && strcmp(cmd, "quit") == 0) {
      break;
    } else {
      printf("error unknown command\n");
      fflush(stdout);
      continue;
    }
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) printf("ok\n");
    else printf("error %s\n", rd_kafka_err2str(e));
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
