/*
 * Stand-alone self-test of the kernels without Node (for cross builds, e.g. AArch64 under qemu):
 *   cc -O2 -Isrc src/keys.c src/x86.c src/arm.c test/selftest.c -o selftest && ./selftest
 *   aarch64-linux-gnu-gcc -O2 -march=armv8-a+crypto -static -Isrc src/keys.c src/x86.c src/arm.c \
 *     test/selftest.c -o selftest-arm64 && qemu-aarch64 -cpu max ./selftest-arm64
 * Known answers: FIPS-197 Appendix A.1 (key expansion), Appendix B and C.1 (one block); the
 * Rijndael/bc-java Monte Carlo chain (10,000 encryptions of zero under the zero key).
 * Verification: honest checkpoints pass on every kernel, each tampered checkpoint fails.
 */
#include <stdio.h>
#include <string.h>
#include "pot.h"

static int failures;

static void hex(const char *s, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static void expect(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) failures++;
}

typedef void (*chain_fn)(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out);
typedef int (*verify_fn)(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half);

int main(void) {
  unsigned v = pot_x86_variants() | pot_arm_variants();
  chain_fn chain = (v & (1u << POT_VARIANT_ARMV8)) ? pot_arm_chain : pot_x86_chain;
  struct { int id; const char *name; verify_fn fn; } kernels[] = {
    { POT_VARIANT_AESNI, "aes-ni", pot_x86_verify_aesni },
    { POT_VARIANT_VAES256, "vaes-256", pot_x86_verify_vaes256 },
    { POT_VARIANT_VAES512, "vaes-512", pot_x86_verify_vaes512 },
    { POT_VARIANT_ARMV8, "armv8", pot_arm_verify },
  };
  printf("variants mask 0x%x\n", v);
  if (!v) {
    printf("no AES kernel on this CPU/build\n");
    return 0;
  }

  uint8_t key[16], pt[16], ct[16], out[16 * 8], rk[11][16], want[16];
  hex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
  pot_expand_key(key, rk);
  hex("d014f9a8c9ee2589e13f0cc8b6630ca6", want, 16);
  expect(memcmp(rk[10], want, 16) == 0, "FIPS-197 A.1 round key 10");
  hex("3243f6a8885a308d313198a2e0370734", pt, 16);
  hex("3925841d02dc09fbdc118597196a0b32", ct, 16);
  chain((const uint8_t(*)[16])rk, pt, 1, 1, out);
  expect(memcmp(out, ct, 16) == 0, "FIPS-197 Appendix B");
  hex("000102030405060708090a0b0c0d0e0f", key, 16);
  hex("00112233445566778899aabbccddeeff", pt, 16);
  hex("69c4e0d86a7b0430d8cdb78070b4c55a", ct, 16);
  pot_expand_key(key, rk);
  chain((const uint8_t(*)[16])rk, pt, 1, 1, out);
  expect(memcmp(out, ct, 16) == 0, "FIPS-197 C.1");
  memset(key, 0, 16);
  memset(pt, 0, 16);
  hex("c34c052cc0da8d73451afe5f03be297f", ct, 16);
  pot_expand_key(key, rk);
  chain((const uint8_t(*)[16])rk, pt, 10000, 1, out);
  expect(memcmp(out, ct, 16) == 0, "Monte Carlo: 10,000 encryptions of 0 under key 0");

  /* A slot of 8 checkpoints, 1,000 iterations each, then verification on every kernel. */
  hex("9a84940ffef5b0d70199fc67f46ea27a", key, 16);
  hex("d666ccd8d593c23da8db6b5b1413b13a", pt, 16);
  pot_expand_key(key, rk);
  chain((const uint8_t(*)[16])rk, pt, 1000, 8, out);
  uint8_t one[16];
  chain((const uint8_t(*)[16])rk, pt, 8000, 1, one);
  expect(memcmp(one, out + 112, 16) == 0, "8 checkpoints of 1,000 = one chain of 8,000");
  uint8_t starts[128];
  memcpy(starts, pt, 16);
  memcpy(starts + 16, out, 112);
  for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
    if (!(v & (1u << kernels[k].id))) continue;
    char what[64];
    snprintf(what, sizeof what, "%s accepts honest checkpoints", kernels[k].name);
    expect(kernels[k].fn((const uint8_t(*)[16])rk, starts, out, 500) == 1, what);
    int rejects = 1;
    for (int i = 0; i < 8; i++) {
      out[16 * i + i] ^= 1;
      rejects &= kernels[k].fn((const uint8_t(*)[16])rk, starts, out, 500) == 0;
      out[16 * i + i] ^= 1;
    }
    snprintf(what, sizeof what, "%s rejects each tampered checkpoint", kernels[k].name);
    expect(rejects, what);
    snprintf(what, sizeof what, "%s rejects wrong iterations", kernels[k].name);
    expect(kernels[k].fn((const uint8_t(*)[16])rk, starts, out, 501) == 0, what);
  }
  printf("%s\n", failures ? "FAILED" : "all passed");
  return failures != 0;
}
