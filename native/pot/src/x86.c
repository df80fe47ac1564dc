/*
 * x86-64 kernels: AES-NI for the chain; AES-NI, VAES-256 and VAES-512 for verification.
 * Compiled with per-function target attributes, so the addon loads on any x86-64 CPU and the
 * binding picks a kernel from CPUID at run time.
 *
 * Whitening folded into the last round (as the reference does): the state carried between
 * iterations is x ⊕ k0, and AESENCLAST with k10 ⊕ k0 yields E(x) ⊕ k0 directly, so one iteration
 * is exactly 10 dependent AES instructions. Backwards the carried state is y ⊕ k10 and
 * AESDECLAST with k10 ⊕ k0 yields D(y) ⊕ k10. A forward lane f and a backward lane b meet when
 * f ⊕ b = k0 ⊕ k10.
 */
#include "pot.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define POT_X86 1
#define TGT_AESNI __attribute__((target("aes,sse4.1")))
#define TGT_VAES256 __attribute__((target("aes,avx2,vaes")))
#define TGT_VAES512 __attribute__((target("aes,avx2,avx512f,vaes")))

unsigned pot_x86_variants(void) {
  unsigned m = 0;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("aes") || !__builtin_cpu_supports("sse4.1")) return 0;
  m |= 1u << POT_VARIANT_AESNI;
  if (__builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx2")) {
    m |= 1u << POT_VARIANT_VAES256;
    if (__builtin_cpu_supports("avx512f")) m |= 1u << POT_VARIANT_VAES512;
  }
  return m;
}

TGT_AESNI void pot_x86_chain(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out) {
  const __m128i k0 = _mm_loadu_si128((const __m128i *)rk[0]);
  const __m128i k1 = _mm_loadu_si128((const __m128i *)rk[1]);
  const __m128i k2 = _mm_loadu_si128((const __m128i *)rk[2]);
  const __m128i k3 = _mm_loadu_si128((const __m128i *)rk[3]);
  const __m128i k4 = _mm_loadu_si128((const __m128i *)rk[4]);
  const __m128i k5 = _mm_loadu_si128((const __m128i *)rk[5]);
  const __m128i k6 = _mm_loadu_si128((const __m128i *)rk[6]);
  const __m128i k7 = _mm_loadu_si128((const __m128i *)rk[7]);
  const __m128i k8 = _mm_loadu_si128((const __m128i *)rk[8]);
  const __m128i k9 = _mm_loadu_si128((const __m128i *)rk[9]);
  const __m128i xk = _mm_xor_si128(_mm_loadu_si128((const __m128i *)rk[10]), k0);
  __m128i s = _mm_xor_si128(_mm_loadu_si128((const __m128i *)seed), k0);
  for (uint32_t c = 0; c < count; c++) {
    for (uint64_t i = 0; i < iterations; i++) {
      s = _mm_aesenc_si128(s, k1);
      s = _mm_aesenc_si128(s, k2);
      s = _mm_aesenc_si128(s, k3);
      s = _mm_aesenc_si128(s, k4);
      s = _mm_aesenc_si128(s, k5);
      s = _mm_aesenc_si128(s, k6);
      s = _mm_aesenc_si128(s, k7);
      s = _mm_aesenc_si128(s, k8);
      s = _mm_aesenc_si128(s, k9);
      s = _mm_aesenclast_si128(s, xk);
    }
    _mm_storeu_si128((__m128i *)(out + 16 * (size_t)c), _mm_xor_si128(s, k0));
  }
}

/* Encryption keys k[0..10] and decryption keys ik[1..9] = InvMixColumns(k[10 - i]). */
TGT_AESNI static void load_keys(const uint8_t rk[11][16], __m128i k[11], __m128i ik[11]) {
  for (int i = 0; i < 11; i++) k[i] = _mm_loadu_si128((const __m128i *)rk[i]);
  ik[0] = k[0];
  ik[10] = k[10];
  for (int i = 1; i < 10; i++) ik[i] = _mm_aesimc_si128(k[10 - i]);
}

TGT_AESNI int pot_x86_verify_aesni(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half) {
  __m128i k[11], ik[11];
  load_keys(rk, k, ik);
  const __m128i xk = _mm_xor_si128(k[10], k[0]);
  __m128i f0, f1, f2, f3, f4, f5, f6, f7, b0, b1, b2, b3, b4, b5, b6, b7;
#define LD(p, j) _mm_loadu_si128((const __m128i *)((p) + 16 * (j)))
  f0 = _mm_xor_si128(LD(starts, 0), k[0]); f1 = _mm_xor_si128(LD(starts, 1), k[0]);
  f2 = _mm_xor_si128(LD(starts, 2), k[0]); f3 = _mm_xor_si128(LD(starts, 3), k[0]);
  f4 = _mm_xor_si128(LD(starts, 4), k[0]); f5 = _mm_xor_si128(LD(starts, 5), k[0]);
  f6 = _mm_xor_si128(LD(starts, 6), k[0]); f7 = _mm_xor_si128(LD(starts, 7), k[0]);
  b0 = _mm_xor_si128(LD(ends, 0), k[10]); b1 = _mm_xor_si128(LD(ends, 1), k[10]);
  b2 = _mm_xor_si128(LD(ends, 2), k[10]); b3 = _mm_xor_si128(LD(ends, 3), k[10]);
  b4 = _mm_xor_si128(LD(ends, 4), k[10]); b5 = _mm_xor_si128(LD(ends, 5), k[10]);
  b6 = _mm_xor_si128(LD(ends, 6), k[10]); b7 = _mm_xor_si128(LD(ends, 7), k[10]);
#undef LD
  for (uint64_t i = 0; i < half; i++) {
#define ROUND(r)                                                                                  \
  f0 = _mm_aesenc_si128(f0, k[r]); b0 = _mm_aesdec_si128(b0, ik[r]);                              \
  f1 = _mm_aesenc_si128(f1, k[r]); b1 = _mm_aesdec_si128(b1, ik[r]);                              \
  f2 = _mm_aesenc_si128(f2, k[r]); b2 = _mm_aesdec_si128(b2, ik[r]);                              \
  f3 = _mm_aesenc_si128(f3, k[r]); b3 = _mm_aesdec_si128(b3, ik[r]);                              \
  f4 = _mm_aesenc_si128(f4, k[r]); b4 = _mm_aesdec_si128(b4, ik[r]);                              \
  f5 = _mm_aesenc_si128(f5, k[r]); b5 = _mm_aesdec_si128(b5, ik[r]);                              \
  f6 = _mm_aesenc_si128(f6, k[r]); b6 = _mm_aesdec_si128(b6, ik[r]);                              \
  f7 = _mm_aesenc_si128(f7, k[r]); b7 = _mm_aesdec_si128(b7, ik[r]);
    ROUND(1) ROUND(2) ROUND(3) ROUND(4) ROUND(5) ROUND(6) ROUND(7) ROUND(8) ROUND(9)
#undef ROUND
    f0 = _mm_aesenclast_si128(f0, xk); b0 = _mm_aesdeclast_si128(b0, xk);
    f1 = _mm_aesenclast_si128(f1, xk); b1 = _mm_aesdeclast_si128(b1, xk);
    f2 = _mm_aesenclast_si128(f2, xk); b2 = _mm_aesdeclast_si128(b2, xk);
    f3 = _mm_aesenclast_si128(f3, xk); b3 = _mm_aesdeclast_si128(b3, xk);
    f4 = _mm_aesenclast_si128(f4, xk); b4 = _mm_aesdeclast_si128(b4, xk);
    f5 = _mm_aesenclast_si128(f5, xk); b5 = _mm_aesdeclast_si128(b5, xk);
    f6 = _mm_aesenclast_si128(f6, xk); b6 = _mm_aesdeclast_si128(b6, xk);
    f7 = _mm_aesenclast_si128(f7, xk); b7 = _mm_aesdeclast_si128(b7, xk);
  }
  /* Every lane pair meets: f ⊕ b ⊕ xk is zero. */
  __m128i d = _mm_xor_si128(_mm_xor_si128(f0, b0), xk);
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f1, b1), xk));
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f2, b2), xk));
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f3, b3), xk));
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f4, b4), xk));
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f5, b5), xk));
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f6, b6), xk));
  d = _mm_or_si128(d, _mm_xor_si128(_mm_xor_si128(f7, b7), xk));
  return _mm_testz_si128(d, d);
}

TGT_VAES256 int pot_x86_verify_vaes256(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half) {
  __m128i k128[11], ik128[11];
  load_keys(rk, k128, ik128);
  __m256i k[11], ik[11];
  for (int i = 0; i < 11; i++) {
    k[i] = _mm256_broadcastsi128_si256(k128[i]);
    ik[i] = _mm256_broadcastsi128_si256(ik128[i]);
  }
  const __m256i xk = _mm256_xor_si256(k[10], k[0]);
#define LD(p, j) _mm256_loadu_si256((const __m256i *)((p) + 32 * (j)))
  __m256i f0 = _mm256_xor_si256(LD(starts, 0), k[0]), f1 = _mm256_xor_si256(LD(starts, 1), k[0]);
  __m256i f2 = _mm256_xor_si256(LD(starts, 2), k[0]), f3 = _mm256_xor_si256(LD(starts, 3), k[0]);
  __m256i b0 = _mm256_xor_si256(LD(ends, 0), k[10]), b1 = _mm256_xor_si256(LD(ends, 1), k[10]);
  __m256i b2 = _mm256_xor_si256(LD(ends, 2), k[10]), b3 = _mm256_xor_si256(LD(ends, 3), k[10]);
#undef LD
  for (uint64_t i = 0; i < half; i++) {
#define ROUND(r)                                                                                  \
  f0 = _mm256_aesenc_epi128(f0, k[r]); b0 = _mm256_aesdec_epi128(b0, ik[r]);                      \
  f1 = _mm256_aesenc_epi128(f1, k[r]); b1 = _mm256_aesdec_epi128(b1, ik[r]);                      \
  f2 = _mm256_aesenc_epi128(f2, k[r]); b2 = _mm256_aesdec_epi128(b2, ik[r]);                      \
  f3 = _mm256_aesenc_epi128(f3, k[r]); b3 = _mm256_aesdec_epi128(b3, ik[r]);
    ROUND(1) ROUND(2) ROUND(3) ROUND(4) ROUND(5) ROUND(6) ROUND(7) ROUND(8) ROUND(9)
#undef ROUND
    f0 = _mm256_aesenclast_epi128(f0, xk); b0 = _mm256_aesdeclast_epi128(b0, xk);
    f1 = _mm256_aesenclast_epi128(f1, xk); b1 = _mm256_aesdeclast_epi128(b1, xk);
    f2 = _mm256_aesenclast_epi128(f2, xk); b2 = _mm256_aesdeclast_epi128(b2, xk);
    f3 = _mm256_aesenclast_epi128(f3, xk); b3 = _mm256_aesdeclast_epi128(b3, xk);
  }
  __m256i d = _mm256_xor_si256(_mm256_xor_si256(f0, b0), xk);
  d = _mm256_or_si256(d, _mm256_xor_si256(_mm256_xor_si256(f1, b1), xk));
  d = _mm256_or_si256(d, _mm256_xor_si256(_mm256_xor_si256(f2, b2), xk));
  d = _mm256_or_si256(d, _mm256_xor_si256(_mm256_xor_si256(f3, b3), xk));
  return _mm256_testz_si256(d, d);
}

TGT_VAES512 int pot_x86_verify_vaes512(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half) {
  __m128i k128[11], ik128[11];
  load_keys(rk, k128, ik128);
  __m512i k[11], ik[11];
  for (int i = 0; i < 11; i++) {
    k[i] = _mm512_broadcast_i32x4(k128[i]);
    ik[i] = _mm512_broadcast_i32x4(ik128[i]);
  }
  const __m512i xk = _mm512_xor_si512(k[10], k[0]);
  __m512i f0 = _mm512_xor_si512(_mm512_loadu_si512(starts), k[0]);
  __m512i f1 = _mm512_xor_si512(_mm512_loadu_si512(starts + 64), k[0]);
  __m512i b0 = _mm512_xor_si512(_mm512_loadu_si512(ends), k[10]);
  __m512i b1 = _mm512_xor_si512(_mm512_loadu_si512(ends + 64), k[10]);
  for (uint64_t i = 0; i < half; i++) {
#define ROUND(r)                                                                                  \
  f0 = _mm512_aesenc_epi128(f0, k[r]); b0 = _mm512_aesdec_epi128(b0, ik[r]);                      \
  f1 = _mm512_aesenc_epi128(f1, k[r]); b1 = _mm512_aesdec_epi128(b1, ik[r]);
    ROUND(1) ROUND(2) ROUND(3) ROUND(4) ROUND(5) ROUND(6) ROUND(7) ROUND(8) ROUND(9)
#undef ROUND
    f0 = _mm512_aesenclast_epi128(f0, xk); b0 = _mm512_aesdeclast_epi128(b0, xk);
    f1 = _mm512_aesenclast_epi128(f1, xk); b1 = _mm512_aesdeclast_epi128(b1, xk);
  }
  __m512i d = _mm512_xor_si512(_mm512_xor_si512(f0, b0), xk);
  d = _mm512_or_si512(d, _mm512_xor_si512(_mm512_xor_si512(f1, b1), xk));
  return _mm512_test_epi64_mask(d, d) == 0;
}

#else /* not x86 with GCC/Clang */

unsigned pot_x86_variants(void) { return 0; }
void pot_x86_chain(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out) {
  (void)rk; (void)seed; (void)iterations; (void)count; (void)out;
}
int pot_x86_verify_aesni(const uint8_t rk[11][16], const uint8_t *s, const uint8_t *e, uint64_t h) { (void)rk; (void)s; (void)e; (void)h; return 0; }
int pot_x86_verify_vaes256(const uint8_t rk[11][16], const uint8_t *s, const uint8_t *e, uint64_t h) { (void)rk; (void)s; (void)e; (void)h; return 0; }
int pot_x86_verify_vaes512(const uint8_t rk[11][16], const uint8_t *s, const uint8_t *e, uint64_t h) { (void)rk; (void)s; (void)e; (void)h; return 0; }

#endif
