/*
 * ratedload: an open-loop HTTP/1.1 load generator for latency at a fixed request rate.
 *
 * Why not autocannon -R: autocannon lets each connection send its share of a second's
 * requests back to back at the start of every second and then waits, so "50% load" is full
 * load for half of each second and the latency it reports is the latency of a saturated
 * server. wrk2 is not packaged for Debian. This program sends request k at start + k/rate
 * exactly (a timerfd ticks at the rate), on whichever keep-alive connection is idle, and
 * measures each latency from the moment the request was due, not from when a connection
 * became free: a stalled server shows as latency, not as fewer requests (no coordinated
 * omission).
 *
 *   ratedload <host> <port> <connections> <rate per second> <seconds> <request file>
 *   request file: the raw bytes of one HTTP/1.1 request (keep-alive), sent as they are
 *
 * Prints one JSON object: {"due", "completed", "non2xx", "errors", "seconds", "drainMs",
 * "p50", "p90", "p99", "p999", "max"} with latencies in microseconds; drainMs is how long after
 * the last request was due the server took to answer everything (a server that does not
 * sustain the rate leaves a backlog, answered within 5 s or counted as errors). Compiled by the bench
 * suite with the machine's cc; never committed as a binary.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_BYTES (256 * 1024)

typedef struct {
  int fd;
  int busy;
  uint64_t due_ns;      /* when the request in flight was due */
  size_t have;          /* bytes of the response read so far */
  char *buffer;
} connection_t;

static const char *host, *port;
static char *request;
static size_t request_bytes;
static connection_t *connections;
static int connection_count;
static int epoll_fd;

static uint64_t *queue; /* due times of requests waiting for an idle connection (a ring) */
static size_t queue_capacity, queue_head, queue_length;

static uint32_t *latencies;
static size_t latency_count, latency_capacity;
static uint64_t non2xx, errors;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void fail(const char *what) {
  fprintf(stderr, "ratedload: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int open_connection(void) {
  struct addrinfo hints = {0}, *found;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &found) != 0) fail("getaddrinfo");
  int fd = socket(found->ai_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, found->ai_addr, found->ai_addrlen) != 0) fail("connect");
  freeaddrinfo(found);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static void watch(connection_t *c) {
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) != 0) fail("epoll_ctl");
}

static void reconnect(connection_t *c) {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = open_connection();
  c->busy = 0;
  c->have = 0;
  watch(c);
}

static void record(uint64_t due_ns, uint64_t done_ns) {
  if (latency_count == latency_capacity) {
    latency_capacity = latency_capacity ? latency_capacity * 2 : 1 << 16;
    latencies = realloc(latencies, latency_capacity * sizeof *latencies);
    if (!latencies) fail("realloc");
  }
  uint64_t micros = (done_ns - due_ns) / 1000;
  latencies[latency_count++] = micros > UINT32_MAX ? UINT32_MAX : (uint32_t)micros;
}

/* Sends one request on an idle connection; a short write is finished blocking (requests are small). */
static void send_on(connection_t *c, uint64_t due_ns) {
  size_t sent = 0;
  while (sent < request_bytes) {
    ssize_t n = write(c->fd, request + sent, request_bytes - sent);
    if (n > 0) sent += (size_t)n;
    else if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    else {
      errors++;
      reconnect(c);
      sent = 0;
    }
  }
  c->busy = 1;
  c->due_ns = due_ns;
  c->have = 0;
}

static void dispatch(uint64_t due_ns) {
  for (int i = 0; i < connection_count; i++) {
    if (!connections[i].busy) {
      send_on(&connections[i], due_ns);
      return;
    }
  }
  if (queue_length == queue_capacity) {
    size_t grown = queue_capacity ? queue_capacity * 2 : 1024;
    uint64_t *next = malloc(grown * sizeof *next);
    if (!next) fail("malloc");
    for (size_t i = 0; i < queue_length; i++) next[i] = queue[(queue_head + i) % queue_capacity];
    free(queue);
    queue = next;
    queue_capacity = grown;
    queue_head = 0;
  }
  queue[(queue_head + queue_length++) % queue_capacity] = due_ns;
}

/* The length of a complete response at the start of buf, or 0 when more bytes are needed. */
static size_t response_length(const char *buf, size_t have) {
  const char *end = memmem(buf, have, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t header_bytes = (size_t)(end - buf) + 4;
  const char *line = buf;
  while (line < end) {
    if (strncasecmp(line, "content-length:", 15) == 0) {
      size_t body = strtoul(line + 15, NULL, 10);
      return have >= header_bytes + body ? header_bytes + body : 0;
    }
    if (strncasecmp(line, "transfer-encoding:", 18) == 0) {
      const char *last = memmem(end, have - (size_t)(end - buf), "\r\n0\r\n\r\n", 7);
      return last ? (size_t)(last - buf) + 7 : 0;
    }
    const char *next = memchr(line, '\n', (size_t)(end - line));
    if (!next) break;
    line = next + 1;
  }
  return header_bytes;
}

static void readable(connection_t *c) {
  for (;;) {
    ssize_t n = read(c->fd, c->buffer + c->have, BUFFER_BYTES - c->have);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      if (c->busy) errors++;
      reconnect(c);
      return;
    }
    if (n < 0) return;
    c->have += (size_t)n;
    size_t length = response_length(c->buffer, c->have);
    if (length == 0) {
      if (c->have == BUFFER_BYTES) {
        errors++;
        reconnect(c);
        return;
      }
      continue;
    }
    if (!c->busy) continue; /* a stray response: ignore */
    record(c->due_ns, now_ns());
    if (strncmp(c->buffer + 9, "2", 1) != 0) non2xx++;
    c->busy = 0;
    c->have = 0;
    if (queue_length > 0) {
      uint64_t due = queue[queue_head];
      queue_head = (queue_head + 1) % queue_capacity;
      queue_length--;
      send_on(c, due);
    }
    return;
  }
}

static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t percentile(double p) {
  if (latency_count == 0) return 0;
  size_t at = (size_t)(p / 100.0 * (double)(latency_count - 1) + 0.5);
  return latencies[at];
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: ratedload <host> <port> <connections> <rate> <seconds> <request file>\n");
    return 2;
  }
  host = argv[1];
  port = argv[2];
  connection_count = atoi(argv[3]);
  double rate = atof(argv[4]);
  double seconds = atof(argv[5]);
  if (connection_count < 1 || rate <= 0 || seconds <= 0) {
    fprintf(stderr, "ratedload: connections, rate and seconds must be positive\n");
    return 2;
  }
  FILE *file = fopen(argv[6], "rb");
  if (!file) fail("request file");
  request = malloc(BUFFER_BYTES);
  request_bytes = fread(request, 1, BUFFER_BYTES, file);
  fclose(file);

  epoll_fd = epoll_create1(0);
  connections = calloc((size_t)connection_count, sizeof *connections);
  for (int i = 0; i < connection_count; i++) {
    connections[i].fd = open_connection();
    connections[i].buffer = malloc(BUFFER_BYTES);
    watch(&connections[i]);
  }

  uint64_t interval_ns = (uint64_t)(1e9 / rate);
  if (interval_ns == 0) interval_ns = 1;
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  uint64_t start = now_ns() + 1000000;
  struct itimerspec tick = {
    .it_interval = {.tv_sec = (time_t)(interval_ns / 1000000000ull), .tv_nsec = (long)(interval_ns % 1000000000ull)},
    .it_value = {.tv_sec = (time_t)(start / 1000000000ull), .tv_nsec = (long)(start % 1000000000ull)},
  };
  if (timerfd_settime(timer, TFD_TIMER_ABSTIME, &tick, NULL) != 0) fail("timerfd_settime");
  struct epoll_event timer_event = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer, &timer_event);

  uint64_t total = (uint64_t)(rate * seconds + 0.5), due_count = 0;
  uint64_t deadline = start + (uint64_t)(seconds * 1e9) + 5000000000ull; /* 5 s to finish what is in flight */
  struct epoll_event events[256];
  for (;;) {
    int outstanding = queue_length > 0;
    for (int i = 0; i < connection_count && !outstanding; i++) outstanding = connections[i].busy;
    if (due_count == total && !outstanding) break;
    if (now_ns() > deadline) break;
    int ready = epoll_wait(epoll_fd, events, 256, 100);
    for (int i = 0; i < ready; i++) {
      if (events[i].data.ptr == NULL) {
        uint64_t expirations = 0;
        if (read(timer, &expirations, sizeof expirations) != sizeof expirations) continue;
        for (uint64_t k = 0; k < expirations && due_count < total; k++, due_count++) dispatch(start + due_count * interval_ns);
        if (due_count == total) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, timer, NULL);
      } else {
        readable(events[i].data.ptr);
      }
    }
  }
  uint64_t finished_ns = now_ns(), last_due_ns = start + (total ? (total - 1) * interval_ns : 0);
  double drain_ms = finished_ns > last_due_ns ? (double)(finished_ns - last_due_ns) / 1e6 : 0;
  uint64_t unfinished = queue_length;
  for (int i = 0; i < connection_count; i++) unfinished += connections[i].busy;
  qsort(latencies, latency_count, sizeof *latencies, by_value);
  printf("{\"due\":%llu,\"completed\":%zu,\"non2xx\":%llu,\"errors\":%llu,\"seconds\":%.3f,\"drainMs\":%.1f,"
         "\"p50\":%u,\"p90\":%u,\"p99\":%u,\"p999\":%u,\"max\":%u}\n",
         (unsigned long long)due_count, latency_count, (unsigned long long)non2xx, (unsigned long long)(errors + unfinished), seconds, drain_ms,
         percentile(50), percentile(90), percentile(99), percentile(99.9), latency_count ? latencies[latency_count - 1] : 0);
  return 0;
}
