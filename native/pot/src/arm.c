/*
 * AArch64 kernels with the ARMv8 crypto extensions (AESE/AESMC, AESD/AESIMC). Built only when the
 * compiler targets them (binding.gyp passes -march=armv8-a+crypto on arm64 Linux; Apple silicon
 * has them by default); on Linux the binding still checks HWCAP_AES at run time.
 *
 * AESE(s, k) = SubBytes(ShiftRows(s ⊕ k)), so the whitening sits at the start of a round: one
 * encryption is AESE/AESMC with k0..k8, AESE with k9, ⊕ k10. The state carried between
 * iterations is E(x) ⊕ k10, and the next iteration starts with AESE(·, k10 ⊕ k0). Backwards,
 * D(y) = AESD(AESIMC(...AESD(y, k10)...), InvMixColumns(k1)) ⊕ k0 and the carried state is
 * D(y) ⊕ k0, entering with AESD(·, k0 ⊕ k10). Forward f and backward b meet when f ⊕ b = k0 ⊕ k10.
 *
 * Tested under qemu-aarch64 (-cpu max) with test/selftest.c; not measured on hardware (the project
 * machine is x86-64).
 */
#include "pot.h"

#if defined(__aarch64__) && (defined(__ARM_FEATURE_CRYPTO) || defined(__ARM_FEATURE_AES))
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_AES
#define HWCAP_AES (1 << 3)
#endif
#endif

unsigned pot_arm_variants(void) {
#if defined(__linux__)
  if (!(getauxval(AT_HWCAP) & HWCAP_AES)) return 0;
#endif
  return 1u << POT_VARIANT_ARMV8;
}

void pot_arm_chain(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out) {
  uint8x16_t k[11];
  for (int i = 0; i < 11; i++) k[i] = vld1q_u8(rk[i]);
  const uint8x16_t xk = veorq_u8(k[0], k[10]);
  uint8x16_t s = veorq_u8(vld1q_u8(seed), k[10]); /* so that AESE(s, xk) = AESE(seed, k0) */
  for (uint32_t c = 0; c < count; c++) {
    for (uint64_t i = 0; i < iterations; i++) {
      s = vaesmcq_u8(vaeseq_u8(s, xk));
      s = vaesmcq_u8(vaeseq_u8(s, k[1]));
      s = vaesmcq_u8(vaeseq_u8(s, k[2]));
      s = vaesmcq_u8(vaeseq_u8(s, k[3]));
      s = vaesmcq_u8(vaeseq_u8(s, k[4]));
      s = vaesmcq_u8(vaeseq_u8(s, k[5]));
      s = vaesmcq_u8(vaeseq_u8(s, k[6]));
      s = vaesmcq_u8(vaeseq_u8(s, k[7]));
      s = vaesmcq_u8(vaeseq_u8(s, k[8]));
      s = vaeseq_u8(s, k[9]);
    }
    vst1q_u8(out + 16 * (size_t)c, veorq_u8(s, k[10]));
  }
}

int pot_arm_verify(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half) {
  uint8x16_t k[11], ik[10];
  for (int i = 0; i < 11; i++) k[i] = vld1q_u8(rk[i]);
  for (int r = 1; r < 10; r++) ik[r] = vaesimcq_u8(k[r]);
  const uint8x16_t xk = veorq_u8(k[0], k[10]);
  uint8x16_t f[POT_GROUP], b[POT_GROUP];
  for (int j = 0; j < POT_GROUP; j++) {
    f[j] = veorq_u8(vld1q_u8(starts + 16 * j), k[10]);
    b[j] = veorq_u8(vld1q_u8(ends + 16 * j), k[0]);
  }
  for (uint64_t i = 0; i < half; i++) {
#pragma GCC unroll 8
    for (int j = 0; j < POT_GROUP; j++) {
      f[j] = vaesmcq_u8(vaeseq_u8(f[j], xk));
      b[j] = vaesdq_u8(b[j], xk);
    }
#pragma GCC unroll 8
    for (int r = 1; r < 9; r++) {
#pragma GCC unroll 8
      for (int j = 0; j < POT_GROUP; j++) {
        f[j] = vaesmcq_u8(vaeseq_u8(f[j], k[r]));
        b[j] = vaesdq_u8(vaesimcq_u8(b[j]), ik[10 - r]);
      }
    }
#pragma GCC unroll 8
    for (int j = 0; j < POT_GROUP; j++) {
      f[j] = vaeseq_u8(f[j], k[9]);
      b[j] = vaesdq_u8(vaesimcq_u8(b[j]), ik[1]);
    }
  }
  uint8x16_t d = vdupq_n_u8(0);
  for (int j = 0; j < POT_GROUP; j++) d = vorrq_u8(d, veorq_u8(veorq_u8(f[j], b[j]), xk));
  return vmaxvq_u8(d) == 0;
}

#else /* no ARMv8 crypto extensions in this build */

unsigned pot_arm_variants(void) { return 0; }
void pot_arm_chain(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out) {
  (void)rk; (void)seed; (void)iterations; (void)count; (void)out;
}
int pot_arm_verify(const uint8_t rk[11][16], const uint8_t *s, const uint8_t *e, uint64_t h) { (void)rk; (void)s; (void)e; (void)h; return 0; }

#endif
