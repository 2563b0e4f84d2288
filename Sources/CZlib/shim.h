// zlib from Debian's zlib1g-dev: gzip-compressed datasets (../shared/data/reviews-zh) are read
// without unpacking them first.
#ifndef AISLE_CZLIB_SHIM_H
#define AISLE_CZLIB_SHIM_H
#include <zlib.h>
#endif
