/*
 * Proof-of-Time AES-128 kernels: the serial chain (proving) and many checkpoint intervals
 * verified at once by meeting in the middle (verification). The project's own code; the scheme
 * follows crates/subspace-proof-of-time/src/aes.rs of autonomys/subspace.
 *
 *   chain:  x_{i+1} = AES128_Encrypt(key, x_i)
 *   verify: for each interval j, E^n(start_j) == end_j, checked as
 *           E^(n/2)(start_j) == D^(n/2)(end_j) with all forward and backward lanes interleaved
 */
#ifndef POT_H
#define POT_H

#include <stdint.h>
#include <stddef.h>

/* Verification kernels, in the order the binding prefers them when more than one is available. */
enum pot_variant {
  POT_VARIANT_NONE = 0,
  POT_VARIANT_AESNI = 1,   /* x86-64 AES-NI, 128-bit lanes, 8 + 8 registers */
  POT_VARIANT_VAES256 = 2, /* x86-64 VAES + AVX2, 2 lanes per register, 4 + 4 registers */
  POT_VARIANT_VAES512 = 3, /* x86-64 VAES + AVX-512F, 4 lanes per register, 2 + 2 registers */
  POT_VARIANT_ARMV8 = 4,   /* AArch64 crypto extensions */
  POT_VARIANT_COUNT = 5
};

/* Intervals verified together by one kernel call (16 lanes: 8 forward, 8 backward). */
#define POT_GROUP 8

/* FIPS-197 key expansion: 11 round keys of 16 bytes (portable C, no table). */
void pot_expand_key(const uint8_t key[16], uint8_t round_keys[11][16]);

/* Bit masks of the variants this CPU runs (1u << variant), per architecture file. */
unsigned pot_x86_variants(void);
unsigned pot_arm_variants(void);

/*
 * Proving: `count` checkpoints, each `iterations` (> 0) encryptions after the previous one
 * (the first after `seed`), written to out[16 * count].
 */
void pot_x86_chain(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out);
void pot_arm_chain(const uint8_t rk[11][16], const uint8_t seed[16], uint64_t iterations, uint32_t count, uint8_t *out);

/*
 * Verification of POT_GROUP intervals: returns 1 when, for every j < POT_GROUP,
 * E^(2 * half)(starts[j]) == ends[j]. `half` may be 0.
 */
int pot_x86_verify_aesni(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half);
int pot_x86_verify_vaes256(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half);
int pot_x86_verify_vaes512(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half);
int pot_arm_verify(const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half);

#endif
