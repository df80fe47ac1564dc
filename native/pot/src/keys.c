/* FIPS-197 §5.2 key expansion for AES-128, with the S-box computed (GF(2^8) inverse + affine map). */
#include "pot.h"

static uint8_t gf_mul(uint8_t a, uint8_t b) {
  uint8_t p = 0;
  while (b) {
    if (b & 1) p ^= a;
    a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
    b >>= 1;
  }
  return p;
}

static uint8_t rotl8(uint8_t x, int n) { return (uint8_t)((x << n) | (x >> (8 - n))); }

static uint8_t sbox(uint8_t x) {
  /* x^254 is the multiplicative inverse (0 maps to 0). */
  uint8_t inv = 1, base = x;
  for (int e = 254; e; e >>= 1) {
    if (e & 1) inv = gf_mul(inv, base);
    base = gf_mul(base, base);
  }
  if (x == 0) inv = 0;
  return (uint8_t)(inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63);
}

void pot_expand_key(const uint8_t key[16], uint8_t rk[11][16]) {
  uint8_t rcon = 1;
  for (int i = 0; i < 16; i++) rk[0][i] = key[i];
  for (int r = 1; r <= 10; r++) {
    const uint8_t *p = rk[r - 1];
    /* RotWord, SubWord, Rcon on the previous round key's last word. */
    uint8_t t[4] = { (uint8_t)(sbox(p[13]) ^ rcon), sbox(p[14]), sbox(p[15]), sbox(p[12]) };
    for (int w = 0; w < 4; w++) {
      for (int b = 0; b < 4; b++) {
        uint8_t prev = w == 0 ? t[b] : rk[r][4 * (w - 1) + b];
        rk[r][4 * w + b] = (uint8_t)(p[4 * w + b] ^ prev);
      }
    }
    rcon = gf_mul(rcon, 2);
  }
}
