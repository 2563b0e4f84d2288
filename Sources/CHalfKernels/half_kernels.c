// Float16-weight products for the text encoder's single queries: a query's cost is reading the
// weights, so half the bytes is nearly half the time. The AVX2/F16C code is compiled per
// function (target attributes) and only called after the CPU check, so the rest of the binary
// stays baseline x86-64.
#include "half_kernels.h"

#include <string.h>

// IEEE half to float in plain C (subnormals, infinities and NaN included): the path without F16C.
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
    if (exponent == 0 && mantissa == 0) {
        bits = sign;
    } else if (exponent == 0) {
        // Subnormal: normalise, one exponent step per shift.
        exponent = 113;
        while (!(mantissa & 0x400)) {
            mantissa <<= 1;
            exponent--;
        }
        bits = sign | exponent << 23 | (mantissa & 0x3ff) << 13;
    } else if (exponent == 31) {
        bits = sign | 0x7f800000 | mantissa << 13;
    } else {
        bits = sign | (exponent + 112) << 23 | mantissa << 13;
    }
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

int aisle_half_kernels_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}


__attribute__((target("avx2,fma,f16c"))) static inline float horizontal_sum(__m256 v) {
    __m128 low = _mm256_castps256_ps128(v);
    __m128 high = _mm256_extractf128_ps(v, 1);
    __m128 sum = _mm_add_ps(low, high);
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_shuffle_ps(sum, sum, 1));
    return _mm_cvtss_f32(sum);
}

// The weights come interleaved by four outputs (see the header): one product reads them as a
// single forward stream, which the hardware prefetcher follows; a single query is bound by
// reading them. Four outputs × four rows per step: sixteen independent accumulators.
#define GROUP 4
#define CHUNK 16

// One block of up to four rows against one group of four outputs. ROWS is a constant at each
// call site, so the compiler unrolls it and a query's last rows cost only their own work.
__attribute__((target("avx512f"), always_inline)) static inline void
half_block_avx512(const float *x, int inputs, const uint16_t *group, long chunks, const int ROWS,
                  const float *bias, float *y, int outputs, const uint16_t *ahead) {
    __m512 acc[4][GROUP];
    for (int a = 0; a < ROWS; a++)
        for (int b = 0; b < GROUP; b++) acc[a][b] = _mm512_setzero_ps();
    const uint16_t *step = group;
    for (long c = 0; c < chunks; c++, step += GROUP * CHUNK) {
        if (ahead) {
            _mm_prefetch((const char *)(ahead + c * GROUP * CHUNK), _MM_HINT_T0);
            _mm_prefetch((const char *)(ahead + c * GROUP * CHUNK + 2 * CHUNK), _MM_HINT_T0);
        }
        __m512 v0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(step)));
        __m512 v1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(step + CHUNK)));
        __m512 v2 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(step + 2 * CHUNK)));
        __m512 v3 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(step + 3 * CHUNK)));
        for (int a = 0; a < ROWS; a++) {
            __m512 xa = _mm512_loadu_ps(x + (long)a * inputs + c * CHUNK);
            acc[a][0] = _mm512_fmadd_ps(xa, v0, acc[a][0]);
            acc[a][1] = _mm512_fmadd_ps(xa, v1, acc[a][1]);
            acc[a][2] = _mm512_fmadd_ps(xa, v2, acc[a][2]);
            acc[a][3] = _mm512_fmadd_ps(xa, v3, acc[a][3]);
        }
    }
    for (int a = 0; a < ROWS; a++)
        for (int b = 0; b < GROUP; b++) y[(long)a * outputs + b] = bias[b] + _mm512_reduce_add_ps(acc[a][b]);
}

__attribute__((target("avx512f"))) static void half_linear_avx512(const float *x, int rows, int inputs,
                                                                  const uint16_t *w, int outputs, int first,
                                                                  int last, const float *bias, float *y) {
    long chunks = inputs / CHUNK;
    for (int j = first; j < last; j += GROUP) {
        const uint16_t *group = w + (long)(j / GROUP) * chunks * GROUP * CHUNK;
        // The first block of rows also fetches the next group, so its reads overlap this one's work.
        const uint16_t *ahead = j + GROUP < last ? group + chunks * GROUP * CHUNK : NULL;
        for (int r = 0; r < rows; r += 4, ahead = NULL) {
            const float *xr = x + (long)r * inputs;
            float *yr = y + (long)r * outputs + j;
            // The row count as a constant in each call, so each is unrolled for its rows.
#define HALF_BLOCK(n) half_block_avx512(xr, inputs, group, chunks, n, bias + j, yr, outputs, ahead)
            switch (rows - r) {
            case 1: HALF_BLOCK(1); break;
            case 2: HALF_BLOCK(2); break;
            case 3: HALF_BLOCK(3); break;
            default: HALF_BLOCK(4); break;
            }
#undef HALF_BLOCK
        }
    }
}

__attribute__((target("avx2,fma,f16c"))) static void half_linear_avx2(const float *x, int rows, int inputs,
                                                                      const uint16_t *w, int outputs, int first,
                                                                      int last, const float *bias, float *y) {
    long chunks = inputs / CHUNK;
    for (int j = first; j < last; j += GROUP) {
        const uint16_t *group = w + (long)(j / GROUP) * chunks * GROUP * CHUNK;
        for (int r = 0; r < rows; r++) {
            __m256 acc[GROUP];
            for (int b = 0; b < GROUP; b++) acc[b] = _mm256_setzero_ps();
            const float *x0 = x + (long)r * inputs;
            const uint16_t *step = group;
            for (long c = 0; c < chunks; c++, step += GROUP * CHUNK) {
                __m256 low = _mm256_loadu_ps(x0 + c * CHUNK), high = _mm256_loadu_ps(x0 + c * CHUNK + 8);
                for (int b = 0; b < GROUP; b++) {
                    const uint16_t *h = step + b * CHUNK;
                    acc[b] = _mm256_fmadd_ps(low, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h)), acc[b]);
                    acc[b] = _mm256_fmadd_ps(high, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + 8))), acc[b]);
                }
            }
            for (int b = 0; b < GROUP; b++) y[(long)r * outputs + j + b] = bias[j + b] + horizontal_sum(acc[b]);
        }
    }
}

void aisle_half_linear(const float *x, int rows, int inputs, const uint16_t *w, int outputs, int first, int last,
                       const float *bias, float *y) {
    if (__builtin_cpu_supports("avx512f")) {
        half_linear_avx512(x, rows, inputs, w, outputs, first, last, bias, y);
    } else {
        half_linear_avx2(x, rows, inputs, w, outputs, first, last, bias, y);
    }
}

__attribute__((target("f16c"))) static void floats_to_halves_f16c(const float *source, uint16_t *target,
                                                                  long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m128i halves = _mm256_cvtps_ph(_mm256_loadu_ps(source + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128((__m128i *)(target + i), halves);
    }
    for (; i < count; i++) {
        target[i] = (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(source[i]), _MM_FROUND_TO_NEAREST_INT), 0);
    }
}

__attribute__((target("f16c"))) static void halves_to_floats_f16c(const uint16_t *source, float *target, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(target + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(source + i))));
    for (; i < count; i++) target[i] = half_to_float(source[i]);
}

void aisle_halves_to_floats(const uint16_t *source, float *target, long count) {
    if (__builtin_cpu_supports("f16c")) {
        halves_to_floats_f16c(source, target, count);
        return;
    }
    for (long i = 0; i < count; i++) target[i] = half_to_float(source[i]);
}

void aisle_floats_to_halves(const float *source, uint16_t *target, long count) {
    if (__builtin_cpu_supports("f16c")) {
        floats_to_halves_f16c(source, target, count);
        return;
    }
    // Without F16C nothing calls the half kernel; keep the output defined anyway.
    for (long i = 0; i < count; i++) target[i] = 0;
}

#else
int aisle_half_kernels_supported(void) { return 0; }
void aisle_half_linear(const float *x, int rows, int inputs, const uint16_t *w, int outputs, int first, int last,
                       const float *bias, float *y) {
    (void)x; (void)rows; (void)inputs; (void)w; (void)outputs; (void)first; (void)last; (void)bias; (void)y;
}
void aisle_floats_to_halves(const float *source, uint16_t *target, long count) {
    (void)source;
    for (long i = 0; i < count; i++) target[i] = 0;
}
void aisle_halves_to_floats(const uint16_t *source, float *target, long count) {
    for (long i = 0; i < count; i++) target[i] = half_to_float(source[i]);
}
#endif
