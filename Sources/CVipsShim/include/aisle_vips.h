#ifndef AISLE_VIPS_H
#define AISLE_VIPS_H

#include <stddef.h>
#include <stdint.h>

// The image operations Aisle needs from libvips, as plain C functions (vips' own API is
// variadic). Every function returns 0 on success and otherwise writes vips' message into
// `error` (at most `error_size` bytes, NUL-terminated). Buffers returned in `out` are freed
// with aisle_vips_free.

#ifdef __cplusplus
extern "C" {
#endif

// Starts libvips once per process (later calls return at once): no operation cache (Aisle
// keeps its own rendition cache), `threads` workers per image (0: vips' default).
int aisle_vips_start(int threads, char *error, size_t error_size);

typedef struct {
    int width;        // as stored, before the EXIF orientation is applied
    int height;
    int bands;
    int orientation;  // EXIF orientation 1...8 (1 when absent)
    int has_exif;     // EXIF data present
    int has_icc;      // an ICC profile present
    char loader[48];  // vips' loader, e.g. "jpegload_buffer"
} aisle_image_header;

// Reads the header only (no pixels are decoded): how big the image claims to be.
int aisle_image_header_read(const void *data, size_t length, aisle_image_header *header, char *error,
                            size_t error_size);

// HEIC is written only by aisle_image_encode_rgb (test images): browsers do not show it.
enum aisle_image_format {
    AISLE_FORMAT_JPEG = 0,
    AISLE_FORMAT_PNG = 1,
    AISLE_FORMAT_WEBP = 2,
    AISLE_FORMAT_AVIF = 3,
    AISLE_FORMAT_HEIC = 4
};

typedef struct {
    int width;       // the box to fit in, > 0
    int height;      // 0: any height (the width decides)
    int cover;       // 1: fill the box and crop the centre; 0: fit inside it
    int format;      // aisle_image_format
    int quality;     // 1...100
    int enhance;     // 1: denoise, stretch contrast and sharpen, as the rendition's own statistics say
} aisle_render_options;

// A rendition: decoded with shrink-on-load, EXIF orientation applied, converted to sRGB,
// resized (never enlarged) into the box, optionally enhanced, encoded without metadata
// (progressive JPEG).
int aisle_image_render(const void *data, size_t length, const aisle_render_options *options, void **out,
                       size_t *out_length, char *error, size_t error_size);

// The whole image decoded (so a truncated or corrupt file fails here), oriented, in sRGB and
// squeezed to exactly width x height, as 8-bit RGB (alpha flattened on white) into `rgb`
// (width * height * 3 bytes).
int aisle_image_pixels(const void *data, size_t length, int width, int height, uint8_t *rgb, char *error,
                       size_t error_size);

// Decodes every pixel at full size (failing on a truncated or corrupt file), streaming: the
// check an upload passes before it is kept. Shrink-on-load may skip data a small rendition
// does not need, so renditions alone would not notice a truncated file.
int aisle_image_verify(const void *data, size_t length, char *error, size_t error_size);

// Encodes 8-bit RGB pixels (width * height * 3) as `format`, with EXIF `orientation` (1...8;
// JPEG only, 1 for none) kept in the file: for tests and benchmarks that need images.
int aisle_image_encode_rgb(const uint8_t *rgb, int width, int height, int format, int quality, int orientation,
                           void **out, size_t *out_length, char *error, size_t error_size);

void aisle_vips_free(void *buffer);

#ifdef __cplusplus
}
#endif

#endif
