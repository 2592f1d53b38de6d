/*
 * Test peer built on the system libenet, driven by the TypeScript interop tests.
 *
 *   enet_tool server PORT [options]
 *   enet_tool client HOST PORT CHANNELS DATA [options]
 * options: --echo (send every received packet back, same channel and flags)
 *          --range-coder   --checksum   --peers N   --channels N   --bw IN OUT
 *
 * stdout, one event per line (ms = since start):
 *   READY <port>
 *   CONNECT <ms> <peer index> <data>
 *   RECEIVE <ms> <channel> <flags> <length> <fnv1a32 hex> <first u32 little-endian>
 *   DISCONNECT <ms> <peer index> <data>
 *   STATS <peer index> <rtt> <packetsSent> <packetsLost> <incomingBandwidth> <outgoingBandwidth>
 * stdin, one command per line (applies to every connected peer; "to N" picks peer N first):
 *   send CH FLAGS SIZE SEED        one packet, byte i = (SEED + 7 i) & 255
 *   sendn COUNT CH FLAGS SIZE      COUNT packets, each starting with its index (u32 LE)
 *   disconnect DATA | later DATA | now DATA | reset
 *   bandwidth IN OUT | timeout LIMIT MIN MAX | stats | quit
 */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static ENetHost *host;
static int echo_mode = 0;
static enet_uint32 start_ms;

static enet_uint32 now_ms(void) { return enet_time_get() - start_ms; }

static unsigned fnv1a(const unsigned char *p, size_t n) {
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
  return h;
}

static void each_peer(void (*fn)(ENetPeer *, void *), void *arg) {
  for (size_t i = 0; i < host->peerCount; i++) {
    ENetPeer *p = &host->peers[i];
    if (p->state == ENET_PEER_STATE_CONNECTED || p->state == ENET_PEER_STATE_DISCONNECT_LATER)
      fn(p, arg);
  }
}

struct send_args { int channel, flags, size, seed, count; };

static void do_send(ENetPeer *p, void *a) {
  struct send_args *s = a;
  for (int k = 0; k < s->count; k++) {
    ENetPacket *packet = enet_packet_create(NULL, (size_t)s->size, (enet_uint32)s->flags);
    for (int i = 0; i < s->size; i++) packet->data[i] = (unsigned char)((s->seed + 7 * i) & 255);
    if (s->count > 1 && s->size >= 4) memcpy(packet->data, &k, 4);
    if (enet_peer_send(p, (enet_uint8)s->channel, packet) < 0) {
      printf("SENDFAIL %d\n", k);
      enet_packet_destroy(packet);
    }
  }
}

static void do_disconnect(ENetPeer *p, void *a) { enet_peer_disconnect(p, *(enet_uint32 *)a); }
static void do_later(ENetPeer *p, void *a) { enet_peer_disconnect_later(p, *(enet_uint32 *)a); }
static void do_now(ENetPeer *p, void *a) { enet_peer_disconnect_now(p, *(enet_uint32 *)a); }
static void do_reset(ENetPeer *p, void *a) { (void)a; enet_peer_reset(p); }
static void do_timeout(ENetPeer *p, void *a) {
  enet_uint32 *t = a;
  enet_peer_timeout(p, t[0], t[1], t[2]);
}
static void do_stats(ENetPeer *p, void *a) {
  (void)a;
  printf("STATS %u %u %u %u %u %u\n", (unsigned)p->incomingPeerID, p->roundTripTime, p->packetsSent,
         p->packetsLost, p->incomingBandwidth, p->outgoingBandwidth);
}

static int command(char *line) {
  struct send_args s = {0, 0, 0, 0, 1};
  enet_uint32 v[3] = {0, 0, 0};
  if (sscanf(line, "send %d %d %d %d", &s.channel, &s.flags, &s.size, &s.seed) == 4) {
    each_peer(do_send, &s);
  } else if (sscanf(line, "sendn %d %d %d %d", &s.count, &s.channel, &s.flags, &s.size) == 4) {
    each_peer(do_send, &s);
  } else if (sscanf(line, "disconnect %u", &v[0]) == 1) {
    each_peer(do_disconnect, v);
  } else if (sscanf(line, "later %u", &v[0]) == 1) {
    each_peer(do_later, v);
  } else if (sscanf(line, "now %u", &v[0]) == 1) {
    each_peer(do_now, v);
  } else if (strncmp(line, "reset", 5) == 0) {
    each_peer(do_reset, NULL);
  } else if (sscanf(line, "bandwidth %u %u", &v[0], &v[1]) == 2) {
    enet_host_bandwidth_limit(host, v[0], v[1]);
  } else if (sscanf(line, "timeout %u %u %u", &v[0], &v[1], &v[2]) == 3) {
    each_peer(do_timeout, v);
  } else if (strncmp(line, "stats", 5) == 0) {
    each_peer(do_stats, NULL);
  } else if (strncmp(line, "quit", 4) == 0) {
    return 0;
  }
  enet_host_flush(host);
  return 1;
}

static int read_commands(void) {
  static char buf[4096];
  static size_t used = 0;
  fd_set set;
  struct timeval tv = {0, 0};
  FD_ZERO(&set);
  FD_SET(0, &set);
  if (select(1, &set, NULL, NULL, &tv) <= 0) return 1;
  ssize_t n = read(0, buf + used, sizeof(buf) - 1 - used);
  if (n <= 0) return 0;
  used += (size_t)n;
  buf[used] = 0;
  char *start = buf, *nl;
  while ((nl = strchr(start, '\n')) != NULL) {
    *nl = 0;
    if (!command(start)) return 0;
    start = nl + 1;
  }
  used = strlen(start);
  memmove(buf, start, used);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3 || enet_initialize() != 0) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  int server = strcmp(argv[1], "server") == 0;
  int first_opt = server ? 3 : 6;
  if (!server && argc < 6) return 2;
  size_t peers = server ? 8 : 1, channels = 0;
  enet_uint32 bw_in = 0, bw_out = 0;
  int range = 0, checksum = 0;
  for (int i = first_opt; i < argc; i++) {
    if (!strcmp(argv[i], "--echo")) echo_mode = 1;
    else if (!strcmp(argv[i], "--range-coder")) range = 1;
    else if (!strcmp(argv[i], "--checksum")) checksum = 1;
    else if (!strcmp(argv[i], "--peers") && i + 1 < argc) peers = (size_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--channels") && i + 1 < argc) channels = (size_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bw") && i + 2 < argc) {
      bw_in = (enet_uint32)strtoul(argv[++i], NULL, 10);
      bw_out = (enet_uint32)strtoul(argv[++i], NULL, 10);
    }
  }
  ENetAddress address;
  memset(&address, 0, sizeof(address));
  if (server) {
    enet_address_set_host_ip(&address, "127.0.0.1");
    address.port = (enet_uint16)atoi(argv[2]);
    host = enet_host_create(&address, peers, channels, bw_in, bw_out);
  } else {
    host = enet_host_create(NULL, peers, channels, bw_in, bw_out);
  }
  if (host == NULL) return 3;
  if (range) enet_host_compress_with_range_coder(host);
  if (checksum) host->checksum = enet_crc32;
  start_ms = enet_time_get();
  ENetAddress bound;
  enet_socket_get_address(host->socket, &bound);
  printf("READY %u\n", (unsigned)bound.port);
  if (!server) {
    enet_address_set_host_ip(&address, argv[2]);
    address.port = (enet_uint16)atoi(argv[3]);
    if (enet_host_connect(host, &address, (size_t)atoi(argv[4]), (enet_uint32)strtoul(argv[5], NULL, 10)) == NULL)
      return 4;
  }
  for (;;) {
    ENetEvent event;
    int r = enet_host_service(host, &event, 2);
    if (r < 0) return 5;
    while (r > 0) {
      switch (event.type) {
      case ENET_EVENT_TYPE_CONNECT:
        printf("CONNECT %u %u %u\n", now_ms(), (unsigned)event.peer->incomingPeerID, event.data);
        break;
      case ENET_EVENT_TYPE_DISCONNECT:
        printf("DISCONNECT %u %u %u\n", now_ms(), (unsigned)event.peer->incomingPeerID, event.data);
        break;
      case ENET_EVENT_TYPE_RECEIVE: {
        ENetPacket *p = event.packet;
        unsigned first = 0;
        if (p->dataLength >= 4) memcpy(&first, p->data, 4);
        printf("RECEIVE %u %u %u %u %08x %u\n", now_ms(), (unsigned)event.channelID, p->flags & 0xff,
               (unsigned)p->dataLength, fnv1a(p->data, p->dataLength), first);
        if (echo_mode) {
          enet_uint32 flags = p->flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED |
                                          ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT);
          ENetPacket *copy = enet_packet_create(p->data, p->dataLength, flags);
          if (enet_peer_send(event.peer, event.channelID, copy) < 0) enet_packet_destroy(copy);
        }
        enet_packet_destroy(p);
        break;
      }
      default:
        break;
      }
      r = enet_host_check_events(host, &event);
    }
    if (!read_commands()) break;
  }
  enet_host_flush(host);
  enet_host_destroy(host);
  enet_deinitialize();
  return 0;
}
