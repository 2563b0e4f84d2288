// libvips (Debian libvips-dev), reached only through CVipsShim: Swift cannot call vips'
// variadic functions, so the shim wraps each use in a plain C function.
#include <vips/vips.h>
