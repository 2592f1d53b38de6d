/*
 * Batch driver for libenet's range coder, used by range_coder_libenet_test.ts.
 * stdin: records of  u8 op ('c' compress, 'd' decompress), u32 LE output limit, u32 LE length,
 *        then that many input bytes.
 * stdout: per record  u8 status (1 when the coder returned a nonzero size, else 0),
 *         u32 LE size, then the output bytes.
 * One coder context serves every record, as one ENet host's does.
 */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_BLOCK (1u << 20)

static int read_u32(unsigned *value) {
  unsigned char b[4];
  if (fread(b, 1, 4, stdin) != 4) return 0;
  *value = b[0] | (b[1] << 8) | (b[2] << 16) | ((unsigned)b[3] << 24);
  return 1;
}

static void write_u32(unsigned value) {
  unsigned char b[4] = {value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >> 24};
  fwrite(b, 1, 4, stdout);
}

int main(void) {
  static unsigned char in[MAX_BLOCK], out[MAX_BLOCK];
  void *coder = enet_range_coder_create();
  int op;
  if (coder == NULL) return 2;
  while ((op = getchar()) != EOF) {
    unsigned limit, length;
    size_t result;
    if (!read_u32(&limit) || !read_u32(&length)) return 3;
    if (limit > MAX_BLOCK || length > MAX_BLOCK) return 4;
    if (fread(in, 1, length, stdin) != length) return 5;
    if (op == 'c') {
      ENetBuffer buffer;
      buffer.data = in;
      buffer.dataLength = length;
      result = enet_range_coder_compress(coder, &buffer, 1, length, out, limit);
    } else {
      result = enet_range_coder_decompress(coder, in, length, out, limit);
    }
    putchar(result != 0);
    write_u32((unsigned)result);
    fwrite(out, 1, result, stdout);
  }
  enet_range_coder_destroy(coder);
  return 0;
}
