// OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
// Only AisleMath imports this module; everything else goes through its checked wrappers.
#ifndef AISLE_CBLAS_SHIM_H
#define AISLE_CBLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

// Declared by OpenBLAS's cblas.h; repeated so that a cblas.h from another BLAS still builds.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#endif
