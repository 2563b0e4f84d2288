#include "aisle_vips.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <vips/vips.h>

// Enhancement: the noise level (standard deviation, 0...255) above which a 3x3 median runs;
// the luminance span (0.5 % to 99.5 %) under which levels are stretched, towards which levels
// and by at most which gain; the unsharp mask's sigma, and how many noise deviations count
// as flat for it (docs/IMAGES.md).
#define AISLE_ENHANCE_NOISE 4.0
#define AISLE_ENHANCE_SPAN 200
#define AISLE_ENHANCE_TARGET_LOW 16.0
#define AISLE_ENHANCE_TARGET_HIGH 240.0
#define AISLE_ENHANCE_MAX_GAIN 1.6
#define AISLE_ENHANCE_SHARPEN 0.7
#define AISLE_ENHANCE_FLAT_PER_NOISE 3.0

// vips keeps one error buffer for the process; each failure takes (and clears) what is there.
static int fail(char *error, size_t error_size, const char *what) {
    char *message = vips_error_buffer_copy();
    size_t length = message ? strlen(message) : 0;
    while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == ' ')) message[--length] = 0;
    if (error && error_size > 0) {
        snprintf(error, error_size, "%s%s%s", what, length > 0 ? ": " : "", length > 0 ? message : "");
    }
    g_free(message);
    return -1;
}

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static int start_threads = 0;
static int start_result = 0;
static char start_error[512];

static void start(void) {
    if (VIPS_INIT("aisle")) {
        start_result = fail(start_error, sizeof start_error, "libvips did not start");
        return;
    }
    // No operation cache: Aisle caches finished renditions itself, and vips' cache would hold
    // decoded originals in memory.
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    if (start_threads > 0) vips_concurrency_set(start_threads);
    // Only the formats Aisle accepts may be decoded: no SVG, PDF, TIFF or ImageMagick loaders
    // for an uploaded body, whatever its bytes claim.
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
    vips_operation_block_set("VipsForeignLoadPng", FALSE);
    vips_operation_block_set("VipsForeignLoadWebp", FALSE);
    vips_operation_block_set("VipsForeignLoadHeif", FALSE);
}

int aisle_vips_start(int threads, char *error, size_t error_size) {
    start_threads = threads;
    pthread_once(&start_once, start);
    if (start_result != 0 && error && error_size > 0) snprintf(error, error_size, "%s", start_error);
    return start_result;
}

// The loader vips would pick for these bytes, or NULL (also for blocked formats).
static const char *loader(const void *data, size_t length, char *error, size_t error_size) {
    const char *name = vips_foreign_find_load_buffer(data, length);
    if (!name) fail(error, error_size, "not an image Aisle reads (JPEG, PNG, WebP, HEIC or AVIF)");
    return name;
}

int aisle_image_header_read(const void *data, size_t length, aisle_image_header *header, char *error,
                            size_t error_size) {
    const char *name = loader(data, length, error, error_size);
    if (!name) return -1;
    VipsImage *image = vips_image_new_from_buffer(data, length, "", NULL);
    if (!image) return fail(error, error_size, "unreadable image header");
    header->width = vips_image_get_width(image);
    header->height = vips_image_get_height(image);
    header->bands = vips_image_get_bands(image);
    int orientation = 1;
    if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) &&
        vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation) == 0 && orientation >= 1 && orientation <= 8) {
        header->orientation = orientation;
    } else {
        header->orientation = 1;
    }
    header->has_exif = vips_image_get_typeof(image, VIPS_META_EXIF_NAME) != 0;
    header->has_icc = vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0;
    snprintf(header->loader, sizeof header->loader, "%s", name);
    g_object_unref(image);
    return 0;
}

// Replaces *image by *next (dropping the old reference) when the step succeeded. `next` is
// passed by address so that it is read after the operation that sets it has run (C leaves
// the order of a call's arguments unspecified).
static int step(VipsImage **image, int result, VipsImage **next) {
    if (result != 0) return -1;
    g_object_unref(*image);
    *image = *next;
    *next = NULL;
    return 0;
}

// sRGB (or grey), 8 bits a band.
static int to_srgb(VipsImage **image) {
    VipsInterpretation interpretation = vips_image_guess_interpretation(*image);
    VipsImage *next = NULL;
    if (interpretation != VIPS_INTERPRETATION_sRGB && interpretation != VIPS_INTERPRETATION_B_W) {
        if (step(image, vips_colourspace(*image, &next, VIPS_INTERPRETATION_sRGB, NULL), &next)) return -1;
    }
    if (vips_image_get_format(*image) != VIPS_FORMAT_UCHAR) {
        // 16-bit PNG: scale down, not clip.
        VipsInterpretation target =
            vips_image_get_bands(*image) >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
        if (step(image, vips_colourspace(*image, &next, target, NULL), &next)) return -1;
        if (vips_image_get_format(*image) != VIPS_FORMAT_UCHAR &&
            step(image, vips_cast(*image, &next, VIPS_FORMAT_UCHAR, NULL), &next))
            return -1;
    }
    return 0;
}

static int flatten_on_white(VipsImage **image) {
    if (!vips_image_hasalpha(*image)) return 0;
    VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
    VipsImage *next = NULL;
    int result = vips_flatten(*image, &next, "background", white, NULL);
    vips_area_unref(VIPS_AREA(white));
    return step(image, result, &next);
}

// Noise (Immerkaer's estimate of the standard deviation of Gaussian noise, from the response
// to a Laplacian difference kernel) and the luminance levels at 0.5 % and 99.5 %, of the
// image's luminance.
static int statistics(VipsImage *image, double *noise, int *low, int *high) {
    VipsImage *grey = NULL, *response = NULL, *magnitude = NULL;
    int result = -1;
    if (vips_colourspace(image, &grey, VIPS_INTERPRETATION_B_W, NULL)) return -1;
    if (vips_image_get_bands(grey) > 1) {
        VipsImage *first = NULL;
        if (vips_extract_band(grey, &first, 0, NULL)) goto done;
        g_object_unref(grey);
        grey = first;
    }
    VipsImage *kernel = vips_image_new_matrixv(3, 3, 1.0, -2.0, 1.0, -2.0, 4.0, -2.0, 1.0, -2.0, 1.0);
    int convolved = vips_conv(grey, &response, kernel, "precision", VIPS_PRECISION_FLOAT, NULL);
    g_object_unref(kernel);
    if (convolved || vips_abs(response, &magnitude, NULL)) goto done;
    double mean = 0;
    if (vips_avg(magnitude, &mean, NULL)) goto done;
    *noise = mean * 0.2088;  // sqrt(pi / 2) / 6
    if (vips_percent(grey, 0.5, low, NULL) || vips_percent(grey, 99.5, high, NULL)) goto done;
    result = 0;
done:
    if (grey) g_object_unref(grey);
    if (response) g_object_unref(response);
    if (magnitude) g_object_unref(magnitude);
    return result;
}

// Enhancement of the colour bands (alpha kept as it is), with parameters from the image's own
// statistics: a 3x3 median when it is noisy, a capped level stretch when its luminance does
// not span the range, and an unsharp mask that leaves noise-sized differences alone.
static int enhance(VipsImage **image) {
    VipsImage *alpha = NULL;
    VipsImage *next = NULL;
    // The statistics read the rendition before the filters do: decode it once into memory
    // (a rendition is small) instead of streaming the original twice.
    next = vips_image_copy_memory(*image);
    if (step(image, next ? 0 : -1, &next)) return -1;
    int bands = vips_image_get_bands(*image);
    if (vips_image_hasalpha(*image)) {
        if (vips_extract_band(*image, &alpha, bands - 1, NULL)) return -1;
        if (step(image, vips_extract_band(*image, &next, 0, "n", bands - 1, NULL), &next)) goto failed;
    }
    double noise = 0;
    int low = 0, high = 255;
    if (statistics(*image, &noise, &low, &high)) goto failed;
    if (noise > AISLE_ENHANCE_NOISE) {
        if (step(image, vips_median(*image, &next, 3, NULL), &next)) goto failed;
        // The levels and the noise left, of the denoised picture.
        if (statistics(*image, &noise, &low, &high)) goto failed;
    }
    double gain = 1;
    if (high - low < AISLE_ENHANCE_SPAN && high > low) {
        // Around the middle, towards 16...240, the gain capped: a flat photo gains contrast
        // without its remaining noise (or a hazy sky) being blown up.
        gain = (AISLE_ENHANCE_TARGET_HIGH - AISLE_ENHANCE_TARGET_LOW) / (double)(high - low);
        if (gain > AISLE_ENHANCE_MAX_GAIN) gain = AISLE_ENHANCE_MAX_GAIN;
        double middle = (low + high) / 2.0;
        double target = (AISLE_ENHANCE_TARGET_LOW + AISLE_ENHANCE_TARGET_HIGH) / 2.0;
        if (step(image, vips_linear1(*image, &next, gain, target - middle * gain, "uchar", TRUE, NULL), &next))
            goto failed;
    }
    // Edges sharpen; differences under the noise level count as flat and stay as they are.
    double flat = AISLE_ENHANCE_FLAT_PER_NOISE * noise * gain;
    if (flat < 2) flat = 2;
    if (step(image, vips_sharpen(*image, &next, "sigma", AISLE_ENHANCE_SHARPEN, "x1", flat, "m2", 2.0, NULL), &next))
        goto failed;
    if (vips_image_get_format(*image) != VIPS_FORMAT_UCHAR && to_srgb(image)) goto failed;
    if (alpha) {
        if (step(image, vips_bandjoin2(*image, alpha, &next, NULL), &next)) goto failed;
        g_object_unref(alpha);
    }
    return 0;
failed:
    if (alpha) g_object_unref(alpha);
    return -1;
}

static int save(VipsImage *image, int format, int quality, int strip, void **out, size_t *out_length) {
    switch (format) {
    case AISLE_FORMAT_JPEG:
        return vips_jpegsave_buffer(image, out, out_length, "Q", quality, "interlace", TRUE, "optimize_coding", TRUE,
                                    "strip", strip, NULL);
    case AISLE_FORMAT_PNG:
        return vips_pngsave_buffer(image, out, out_length, "compression", 6, "strip", strip, NULL);
    case AISLE_FORMAT_WEBP:
        return vips_webpsave_buffer(image, out, out_length, "Q", quality, "effort", 4, "strip", strip, NULL);
    case AISLE_FORMAT_AVIF:
        return vips_heifsave_buffer(image, out, out_length, "Q", quality, "compression",
                                    VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort", 2, "strip", strip, NULL);
    case AISLE_FORMAT_HEIC:
        return vips_heifsave_buffer(image, out, out_length, "Q", quality, "compression",
                                    VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, "strip", strip, NULL);
    default:
        vips_error("aisle", "unknown output format %d", format);
        return -1;
    }
}

int aisle_image_render(const void *data, size_t length, const aisle_render_options *options, void **out,
                       size_t *out_length, char *error, size_t error_size) {
    if (!loader(data, length, error, error_size)) return -1;
    VipsImage *image = NULL;
    int height = options->height > 0 ? options->height : VIPS_MAX_COORD;
    if (vips_thumbnail_buffer((void *)data, length, &image, options->width, "height", height, "size",
                              VIPS_SIZE_DOWN, "crop",
                              options->cover ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE, "fail_on",
                              VIPS_FAIL_ON_TRUNCATED, NULL))
        return fail(error, error_size, "the image could not be decoded");
    if (to_srgb(&image) || (options->format == AISLE_FORMAT_JPEG && flatten_on_white(&image)) ||
        (options->enhance && enhance(&image))) {
        g_object_unref(image);
        return fail(error, error_size, "the image could not be converted");
    }
    int result = save(image, options->format, options->quality, TRUE, out, out_length);
    g_object_unref(image);
    return result ? fail(error, error_size, "the rendition could not be encoded") : 0;
}

int aisle_image_pixels(const void *data, size_t length, int width, int height, uint8_t *rgb, char *error,
                       size_t error_size) {
    if (!loader(data, length, error, error_size)) return -1;
    VipsImage *image = NULL;
    if (vips_thumbnail_buffer((void *)data, length, &image, width, "height", height, "size", VIPS_SIZE_FORCE,
                              "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL))
        return fail(error, error_size, "the image could not be decoded");
    VipsImage *next = NULL;
    if (to_srgb(&image) || flatten_on_white(&image) ||
        (vips_image_get_bands(image) < 3 &&
         step(&image, vips_colourspace(image, &next, VIPS_INTERPRETATION_sRGB, NULL), &next))) {
        g_object_unref(image);
        return fail(error, error_size, "the image could not be converted");
    }
    if (vips_image_get_bands(image) > 3 && step(&image, vips_extract_band(image, &next, 0, "n", 3, NULL), &next)) {
        g_object_unref(image);
        return fail(error, error_size, "the image could not be converted");
    }
    if (vips_image_get_width(image) != width || vips_image_get_height(image) != height) {
        vips_error("aisle", "resized to %dx%d, not %dx%d", vips_image_get_width(image), vips_image_get_height(image),
                   width, height);
        g_object_unref(image);
        return fail(error, error_size, "the image could not be resized");
    }
    size_t size = 0;
    void *memory = vips_image_write_to_memory(image, &size);
    g_object_unref(image);
    if (!memory) return fail(error, error_size, "the image could not be decoded");
    if (size != (size_t)width * height * 3) {
        g_free(memory);
        vips_error("aisle", "%zu bytes of pixels, not %d", size, width * height * 3);
        return fail(error, error_size, "the image could not be decoded");
    }
    memcpy(rgb, memory, size);
    g_free(memory);
    return 0;
}

int aisle_image_verify(const void *data, size_t length, char *error, size_t error_size) {
    if (!loader(data, length, error, error_size)) return -1;
    VipsImage *image = vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                                  VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!image) return fail(error, error_size, "unreadable image header");
    double mean = 0;
    int result = vips_avg(image, &mean, NULL);
    g_object_unref(image);
    return result ? fail(error, error_size, "the image is truncated or corrupt") : 0;
}

int aisle_image_encode_rgb(const uint8_t *rgb, int width, int height, int format, int quality, int orientation,
                           void **out, size_t *out_length, char *error, size_t error_size) {
    VipsImage *image =
        vips_image_new_from_memory_copy(rgb, (size_t)width * height * 3, width, height, 3, VIPS_FORMAT_UCHAR);
    if (!image) return fail(error, error_size, "the pixels could not be read");
    VipsImage *next = NULL;
    if (step(&image, vips_copy(image, &next, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), &next)) {
        g_object_unref(image);
        return fail(error, error_size, "the pixels could not be read");
    }
    if (orientation > 1 && orientation <= 8) vips_image_set_int(image, VIPS_META_ORIENTATION, orientation);
    int result = save(image, format, quality, orientation <= 1, out, out_length);
    g_object_unref(image);
    return result ? fail(error, error_size, "the image could not be encoded") : 0;
}

void aisle_vips_free(void *buffer) { g_free(buffer); }
