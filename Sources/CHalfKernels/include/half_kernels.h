#ifndef AISLE_HALF_KERNELS_H
#define AISLE_HALF_KERNELS_H

#include <stdint.h>

/// Whether this CPU has AVX2, FMA and F16C, which `aisle_half_linear` needs.
int aisle_half_kernels_supported(void);

/// y[r][j] = bias[j] + sum_k W[j][k] x[r][k] for r < rows and j in [first, last): x is rows ×
/// inputs floats (row-major), y rows × outputs floats. W is IEEE half floats interleaved by four
/// outputs: W[4g + b][16c + i] is at w[((g × inputs/16 + c) × 4 + b) × 16 + i]. inputs must be a
/// multiple of 16, outputs, first and last multiples of 4. Only call when
/// aisle_half_kernels_supported() returned 1.
void aisle_half_linear(const float *x, int rows, int inputs, const uint16_t *w, int outputs, int first, int last,
                       const float *bias, float *y);

/// Converts count floats to IEEE half floats (round to nearest even), with F16C when present.
void aisle_floats_to_halves(const float *source, uint16_t *target, long count);

/// Converts count IEEE half floats to floats (exactly), with F16C when present.
void aisle_halves_to_floats(const uint16_t *source, float *target, long count);

/// A hint to the CPU that the caller is spinning on a flag (x86 PAUSE): less power, and the
/// flag's cache line is not hammered.
static inline void aisle_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
