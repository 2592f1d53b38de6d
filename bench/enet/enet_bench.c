/*
 * ENet-wire benchmark peer on the system libenet, speaking Godot 3.2's NetworkedMultiplayerENet
 * layer: the client's Godot id travels in CONNECT's data, every packet starts with the 8-byte
 * little-endian header (u32 source id, i32 target), reliable data uses ENet channel 1. Built by
 * bench/enet/enet_scenarios.ts with `gcc -O2 enet_bench.c -lenet` into a temp dir.
 *
 *   enet_bench server sink|echo SIZE WARMUP_MS DURATION_MS DEADLINE_MS
 *   enet_bench client PORT ID SIZE HIGH_WATER_BYTES DEADLINE_MS
 *   enet_bench pingpong PORT ID SIZE ROUNDS WARMUP_MS DEADLINE_MS
 *   enet_bench rawping PORT SIZE ROUNDS WARMUP_MS DEADLINE_MS
 *
 * Everything runs on 127.0.0.1. SIZE is the Godot payload (what get_packet returns); its first
 * and last 4 bytes carry the message's sequence number (u32 little-endian, from 1).
 *
 * stdout: one JSON object per line, {"ev": ...}. stdin: JSON lines {"cmd": "stop" | "expect"
 * (with "count") | "exit"}; end of input means exit. The process kills itself (SIGALRM) after
 * DEADLINE_MS whatever happens.
 *
 * server: accepts Godot clients (an id below 2 is reset, as Godot's server does), checks every
 * packet (channel, flags, length, header, sequence: each message exactly once and in order).
 * sink counts them and reports the delivered rate and this process's CPU time over a window that
 * starts WARMUP_MS after the first message; echo sends each message back to its sender at once
 * (header source 1, target the sender), flushing as Godot's put_packet does.
 * client: sends reliable messages as fast as ENet takes them, keeping at most HIGH_WATER_BYTES
 * of packet data queued or unacknowledged (libenet's queue has no bound of its own, and its send
 * path walks the whole queue while the window is full); on "stop" it waits until every message
 * was acknowledged and reports.
 * pingpong: one reliable message in flight, the echo awaited; reports every round trip after a
 * warm-up of at least ROUNDS / 10 round trips and WARMUP_MS.
 * rawping: the same round trips over a plain UDP socket (datagrams as long as the ENet datagram
 * of one such message), for the floor measured against a raw echo.
 */
#include <enet/enet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

enum { GODOT_HEADER = 8, RELIABLE_CHANNEL = 1, SERVER_ID = 1, MAX_SIZE = 1 << 20 };
/* ENet bytes before the Godot packet in a datagram: datagram header + SEND_RELIABLE header. */
enum { ENET_OVERHEAD = 4 + 6 };

static ENetHost *host;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_us(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static void put_u32(unsigned char *p, enet_uint32 v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static enet_uint32 get_u32(const unsigned char *p) {
  return (enet_uint32)p[0] | (enet_uint32)p[1] << 8 | (enet_uint32)p[2] << 16 |
         (enet_uint32)p[3] << 24;
}

/* Writes the Godot header and the sequence number at both ends of the payload. */
static void fill_message(unsigned char *p, enet_uint32 source, enet_uint32 target, size_t size,
                         enet_uint32 seq) {
  put_u32(p, source);
  put_u32(p + 4, target);
  put_u32(p + GODOT_HEADER, seq);
  put_u32(p + GODOT_HEADER + size - 4, seq);
}

static void emit_error(const char *message) {
  printf("{\"ev\":\"error\",\"message\":\"%s\"}\n", message);
}

/* ---- commands on stdin ---------------------------------------------------------------------- */

enum { CMD_NONE, CMD_STOP, CMD_EXPECT, CMD_EXIT };

/* Reads complete command lines without blocking; returns the last one seen (EXIT on end). */
static int read_command(long *count) {
  static char buf[4096];
  static size_t used = 0;
  fd_set set;
  struct timeval tv = {0, 0};
  FD_ZERO(&set);
  FD_SET(0, &set);
  if (select(1, &set, NULL, NULL, &tv) <= 0) return CMD_NONE;
  ssize_t n = read(0, buf + used, sizeof(buf) - 1 - used);
  if (n <= 0) return CMD_EXIT;
  used += (size_t)n;
  buf[used] = 0;
  int result = CMD_NONE;
  char *start = buf, *nl;
  while ((nl = strchr(start, '\n')) != NULL) {
    *nl = 0;
    if (strstr(start, "\"cmd\":\"exit\"")) return CMD_EXIT;
    if (strstr(start, "\"cmd\":\"stop\"")) result = CMD_STOP;
    const char *c = strstr(start, "\"count\":");
    if (strstr(start, "\"cmd\":\"expect\"") && c) {
      *count = strtol(c + 8, NULL, 10);
      result = CMD_EXPECT;
    }
    start = nl + 1;
  }
  used = strlen(start);
  if (used == sizeof(buf) - 1) used = 0; /* an overlong line is not a command */
  memmove(buf, start, used);
  return result;
}

/* ---- server --------------------------------------------------------------------------------- */

struct sink_state {
  size_t size;
  enet_uint32 client_id;
  enet_uint32 next;
  long received, errors;
  char first_error[160];
  double last_progress;
};

static void fail(struct sink_state *s, const char *what, long a, long b) {
  if (s->errors++ == 0) snprintf(s->first_error, sizeof(s->first_error), what, a, b);
}

static void check_message(struct sink_state *s, const ENetEvent *e) {
  const ENetPacket *p = e->packet;
  if (e->channelID != RELIABLE_CHANNEL || !(p->flags & ENET_PACKET_FLAG_RELIABLE)) {
    fail(s, "packet on channel %ld with flags %ld", e->channelID, (long)p->flags);
    return;
  }
  if (p->dataLength != GODOT_HEADER + s->size) {
    fail(s, "packet of %ld bytes, expected %ld", (long)p->dataLength, (long)(GODOT_HEADER + s->size));
    return;
  }
  if (get_u32(p->data) != s->client_id || get_u32(p->data + 4) != SERVER_ID) {
    fail(s, "header source %ld target %ld", (long)get_u32(p->data), (long)get_u32(p->data + 4));
    return;
  }
  enet_uint32 seq = get_u32(p->data + GODOT_HEADER);
  if (get_u32(p->data + GODOT_HEADER + s->size - 4) != seq) fail(s, "message %ld corrupt", seq, 0);
  if (seq != s->next) fail(s, "expected message %ld, got %ld (lost, duplicated or reordered)",
                           (long)s->next, (long)seq);
  s->next = seq + 1;
  s->received++;
}

static void echo_message(const ENetEvent *e, enet_uint32 client_id) {
  const ENetPacket *p = e->packet;
  ENetPacket *copy = enet_packet_create(p->data, p->dataLength, ENET_PACKET_FLAG_RELIABLE);
  put_u32(copy->data, SERVER_ID);
  put_u32(copy->data + 4, client_id);
  if (enet_peer_send(e->peer, RELIABLE_CHANNEL, copy) < 0) enet_packet_destroy(copy);
  enet_host_flush(host);
}

static int run_server(int echo, size_t size, double warmup_ms, double duration_ms) {
  ENetAddress address;
  memset(&address, 0, sizeof(address));
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = 0;
  host = enet_host_create(&address, 8, 3, 0, 0);
  if (host == NULL) return 3;
  ENetAddress bound;
  enet_socket_get_address(host->socket, &bound);
  printf("{\"ev\":\"ready\",\"port\":%u}\n", (unsigned)bound.port);
  struct sink_state s = {size, 0, 1, 0, 0, "", 0};
  /* window: 0 = before the first message, 1 = warming up, 2 = measuring, 3 = reported */
  int window = 0;
  double first_at = 0, mark_t = 0, mark_cpu = 0, last_stdin = 0;
  long mark_n = 0, expect = -1;
  for (;;) {
    ENetEvent e;
    long before = s.received;
    int r = enet_host_service(host, &e, 1);
    if (r < 0) return 5;
    while (r > 0) {
      if (e.type == ENET_EVENT_TYPE_CONNECT) {
        if (e.data < 2 || s.client_id != 0) {
          enet_peer_reset(e.peer); /* Godot's server resets an invalid or second id silently */
        } else {
          s.client_id = e.data;
          printf("{\"ev\":\"connected\",\"id\":%u}\n", e.data);
        }
      } else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
        check_message(&s, &e);
        if (echo) echo_message(&e, s.client_id);
        enet_packet_destroy(e.packet);
      } else if (e.type == ENET_EVENT_TYPE_DISCONNECT) {
        printf("{\"ev\":\"disconnected\"}\n");
      }
      r = enet_host_check_events(host, &e);
    }
    double t = now_ms();
    if (s.received > before) s.last_progress = t;
    if (window == 0 && s.received > 0) window = 1, first_at = t;
    if (window == 1 && t - first_at >= warmup_ms) {
      window = 2, mark_t = t, mark_n = s.received, mark_cpu = cpu_us();
      printf("{\"ev\":\"window\"}\n");
    }
    if (window == 2 && t - mark_t >= duration_ms) {
      window = 3;
      double cpu = cpu_us() - mark_cpu, secs = (t - mark_t) / 1e3;
      long n = s.received - mark_n;
      printf("{\"ev\":\"measured\",\"rate\":%.1f,\"bytesRate\":%.1f,\"cpuUs\":%.0f,"
             "\"cpuPerMsgUs\":%.4f,\"cpuCores\":%.4f}\n",
             n / secs, (double)n * (double)size / secs, cpu, n > 0 ? cpu / (double)n : 0.0,
             cpu / 1e6 / secs);
    }
    if (expect >= 0 && (s.received >= expect || t - s.last_progress > 5000)) {
      if (s.received != expect) fail(&s, "received %ld of %ld reliable messages", s.received, expect);
      printf("{\"ev\":\"final\",\"received\":%ld,\"expected\":%ld,\"errors\":%ld,\"firstError\":\"%s\"}\n",
             s.received, expect, s.errors, s.first_error);
      expect = -1;
    }
    if (t - last_stdin >= 5) {
      last_stdin = t;
      long count = 0;
      int c = read_command(&count);
      if (c == CMD_EXIT) break;
      if (c == CMD_EXPECT) expect = count, s.last_progress = t;
    }
  }
  enet_host_destroy(host);
  return 0;
}

/* ---- clients -------------------------------------------------------------------------------- */

static long freed;

static void count_freed(ENetPacket *p) {
  (void)p;
  freed++;
}

/* Connects with Godot's handshake (3 channels, the id as CONNECT data); NULL on failure. */
static ENetPeer *connect_godot(int port, enet_uint32 id) {
  host = enet_host_create(NULL, 1, 3, 0, 0);
  if (host == NULL) return NULL;
  ENetAddress address;
  memset(&address, 0, sizeof(address));
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = (enet_uint16)port;
  ENetPeer *peer = enet_host_connect(host, &address, 3, id);
  if (peer == NULL) return NULL;
  double deadline = now_ms() + 5000;
  while (now_ms() < deadline) {
    ENetEvent e;
    int r = enet_host_service(host, &e, 10);
    if (r < 0) return NULL;
    if (r > 0 && e.type == ENET_EVENT_TYPE_CONNECT) return peer;
    if (r > 0 && e.type == ENET_EVENT_TYPE_DISCONNECT) return NULL;
    if (r > 0 && e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
  }
  return NULL;
}

/* Takes the events of one service call; returns 0 when the server went away. */
static int drain_events(int r, ENetEvent *e) {
  while (r > 0) {
    if (e->type == ENET_EVENT_TYPE_DISCONNECT) return 0;
    if (e->type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e->packet);
    r = enet_host_check_events(host, e);
  }
  return 1;
}

static int run_client(int port, enet_uint32 id, size_t size, long high_water) {
  ENetPeer *peer = connect_godot(port, id);
  if (peer == NULL) {
    emit_error("client could not connect");
    return 4;
  }
  ENetAddress bound;
  enet_socket_get_address(host->socket, &bound);
  printf("{\"ev\":\"connected\",\"port\":%u}\n", (unsigned)bound.port);
  const size_t packet_bytes = GODOT_HEADER + size;
  long sent = 0;
  int stopping = 0;
  double last_stdin = 0, stop_deadline = 0;
  for (;;) {
    while (!stopping && (double)(sent - freed) * (double)packet_bytes < (double)high_water) {
      ENetPacket *p = enet_packet_create(NULL, packet_bytes, ENET_PACKET_FLAG_RELIABLE);
      if (p == NULL) break;
      fill_message(p->data, id, SERVER_ID, size, (enet_uint32)(sent + 1));
      p->freeCallback = count_freed;
      if (enet_peer_send(peer, RELIABLE_CHANNEL, p) < 0) {
        enet_packet_destroy(p);
        emit_error("enet_peer_send failed");
        return 6;
      }
      sent++;
    }
    /* one non-blocking pass (send, take acks, send); a pass that freed nothing waits for the
       socket, so the queue is topped up as soon as acknowledgements make room, without spinning */
    long freed_before = freed;
    ENetEvent e;
    int r = enet_host_service(host, &e, 0);
    if (r < 0 || !drain_events(r, &e)) {
      emit_error("server went away");
      return 5;
    }
    if (freed == freed_before) {
      enet_uint32 condition = ENET_SOCKET_WAIT_RECEIVE;
      enet_socket_wait(host->socket, &condition, 1);
    }
    double t = now_ms();
    if (stopping == 1 && (freed >= sent || t > stop_deadline)) {
      stopping = 2;
      printf("{\"ev\":\"done\",\"sent\":%ld,\"acked\":%ld,\"retransmits\":%u,\"rttMs\":%u,"
             "\"throttle\":%u,\"cpuUs\":%.0f}\n",
             sent, freed, peer->packetsLost, peer->roundTripTime, peer->packetThrottle, cpu_us());
    }
    if (t - last_stdin >= 5) {
      last_stdin = t;
      long count = 0;
      int c = read_command(&count);
      if (c == CMD_EXIT) break;
      if (c == CMD_STOP && !stopping) stopping = 1, stop_deadline = t + 10000;
    }
  }
  enet_peer_disconnect_now(peer, 0);
  enet_host_destroy(host);
  return 0;
}

static void emit_rtts(const double *rtts, int n, long mismatches) {
  fputs("{\"ev\":\"rtt\",\"samples\":[", stdout);
  for (int i = 0; i < n; i++) printf(i ? ",%.4f" : "%.4f", rtts[i]);
  printf("],\"mismatches\":%ld}\n", mismatches);
}

/* Waits for the exit command (or end of input) so the orchestrator decides when we go. */
static void wait_exit(void) {
  for (;;) {
    long count;
    if (read_command(&count) == CMD_EXIT) return;
    if (host) enet_host_service(host, NULL, 5);
    else usleep(5000);
  }
}

/* A ping-pong warms up for at least `rounds` round trips and `ms` milliseconds (the JIT of a Deno
 * server keeps optimizing for seconds at a few thousand round trips a second). */
struct warmup {
  int rounds;
  double ms;
  int done;
  double started_at;
};

/* Records one round trip ended at `now`; 1 when it is measured (the warm-up was over before). */
static int warmed_up(struct warmup *w, double now) {
  if (w->done < 0) return 1;
  if (w->started_at < 0) w->started_at = now;
  if (++w->done >= w->rounds && now - w->started_at >= w->ms) w->done = -1;
  return 0;
}

static int run_pingpong(int port, enet_uint32 id, size_t size, int rounds, double warmup_ms) {
  ENetPeer *peer = connect_godot(port, id);
  if (peer == NULL) {
    emit_error("client could not connect");
    return 4;
  }
  struct warmup w = {(rounds + 9) / 10, warmup_ms, 0, -1.0};
  double *rtts = calloc((size_t)rounds, sizeof(double));
  long mismatches = 0;
  int measured = 0;
  for (int i = 1; measured < rounds; i++) {
    double t0 = now_ms();
    ENetPacket *p = enet_packet_create(NULL, GODOT_HEADER + size, ENET_PACKET_FLAG_RELIABLE);
    fill_message(p->data, id, SERVER_ID, size, (enet_uint32)i);
    enet_peer_send(peer, RELIABLE_CHANNEL, p);
    enet_host_flush(host); /* Godot's put_packet flushes at once */
    int got = 0;
    while (!got && now_ms() - t0 < 10000) {
      ENetEvent e;
      int r = enet_host_service(host, &e, 100);
      if (r < 0) return 5;
      while (r > 0) {
        if (e.type == ENET_EVENT_TYPE_DISCONNECT) {
          emit_error("server went away");
          return 5;
        }
        if (e.type == ENET_EVENT_TYPE_RECEIVE) {
          const ENetPacket *q = e.packet;
          if (e.channelID == RELIABLE_CHANNEL) {
            got = 1;
            if (q->dataLength != GODOT_HEADER + size || get_u32(q->data) != SERVER_ID ||
                get_u32(q->data + 4) != id || get_u32(q->data + GODOT_HEADER) != (enet_uint32)i)
              mismatches++;
          }
          enet_packet_destroy(e.packet);
        }
        r = enet_host_check_events(host, &e);
      }
    }
    double t1 = now_ms();
    if (!got) {
      emit_error("no echo within 10 s");
      return 7;
    }
    if (warmed_up(&w, t1)) rtts[measured++] = t1 - t0;
  }
  emit_rtts(rtts, rounds, mismatches);
  free(rtts);
  wait_exit();
  enet_peer_disconnect_now(peer, 0);
  enet_host_destroy(host);
  return 0;
}

static int run_rawping(int port, size_t size, int rounds, double warmup_ms) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 3;
  struct sockaddr_in to;
  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  /* as long as the ENet datagram carrying one Godot message of this size */
  size_t length = ENET_OVERHEAD + GODOT_HEADER + size;
  unsigned char out[ENET_OVERHEAD + GODOT_HEADER + 4096], in[sizeof(out)];
  if (length > sizeof(out)) return 2;
  memset(out, 0, sizeof(out));
  struct warmup w = {(rounds + 9) / 10, warmup_ms, 0, -1.0};
  double *rtts = calloc((size_t)rounds, sizeof(double));
  long mismatches = 0;
  int measured = 0;
  for (int i = 1; measured < rounds; i++) {
    double t0 = now_ms();
    put_u32(out, (enet_uint32)i);
    if (sendto(fd, out, length, 0, (struct sockaddr *)&to, sizeof(to)) < 0) return 5;
    struct pollfd pfd = {fd, POLLIN, 0};
    /* poll, then receive: the same wake path as ENet's service call */
    if (poll(&pfd, 1, 10000) <= 0) {
      emit_error("no raw echo within 10 s");
      return 7;
    }
    ssize_t n = recv(fd, in, sizeof(in), 0);
    double t1 = now_ms();
    if (n != (ssize_t)length || get_u32(in) != (enet_uint32)i) mismatches++;
    if (warmed_up(&w, t1)) rtts[measured++] = t1 - t0;
  }
  emit_rtts(rtts, rounds, mismatches);
  free(rtts);
  wait_exit();
  close(fd);
  return 0;
}

static int positive(const char *text, long max) {
  long v = strtol(text, NULL, 10);
  return v > 0 && v <= max ? (int)v : -1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 || enet_initialize() != 0) return 2;
  const char *mode = argv[1];
  int status = 2;
  if (!strcmp(mode, "server") && argc == 7) {
    int size = positive(argv[3], MAX_SIZE), deadline = positive(argv[6], 3600000);
    if (size < 8 || deadline < 0) return 2;
    alarm((unsigned)(deadline / 1000 + 1));
    status = run_server(!strcmp(argv[2], "echo"), (size_t)size, atof(argv[4]), atof(argv[5]));
  } else if (!strcmp(mode, "client") && argc == 7) {
    int port = positive(argv[2], 65535), size = positive(argv[4], MAX_SIZE);
    long id = strtol(argv[3], NULL, 10), high_water = strtol(argv[5], NULL, 10);
    int deadline = positive(argv[6], 3600000);
    if (port < 0 || size < 8 || id < 2 || high_water <= 0 || deadline < 0) return 2;
    alarm((unsigned)(deadline / 1000 + 1));
    status = run_client(port, (enet_uint32)id, (size_t)size, high_water);
  } else if (!strcmp(mode, "pingpong") && argc == 8) {
    int port = positive(argv[2], 65535), size = positive(argv[4], 4096);
    int rounds = positive(argv[5], 1000000), deadline = positive(argv[7], 3600000);
    double warmup_ms = atof(argv[6]);
    long id = strtol(argv[3], NULL, 10);
    if (port < 0 || size < 8 || rounds < 0 || id < 2 || deadline < 0 || !(warmup_ms >= 0)) return 2;
    alarm((unsigned)(deadline / 1000 + 1));
    status = run_pingpong(port, (enet_uint32)id, (size_t)size, rounds, warmup_ms);
  } else if (!strcmp(mode, "rawping") && argc == 7) {
    int port = positive(argv[2], 65535), size = positive(argv[3], 4096);
    int rounds = positive(argv[4], 1000000), deadline = positive(argv[6], 3600000);
    double warmup_ms = atof(argv[5]);
    if (port < 0 || size < 8 || rounds < 0 || deadline < 0 || !(warmup_ms >= 0)) return 2;
    alarm((unsigned)(deadline / 1000 + 1));
    status = run_rawping(port, (size_t)size, rounds, warmup_ms);
  }
  enet_deinitialize();
  return status;
}
