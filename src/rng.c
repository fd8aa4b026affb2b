/* rng.c - counter-based Gaussian and uniform numbers (Random123 Philox4x64-10).
 *
 * Element i of the sequence keyed by (seed, instance, stream) is a pure
 * function of those four integers: the counter is (i / 4, stream) and the key
 * (seed, instance). No state is carried between calls, so any thread or
 * process can produce any element and results never depend on scheduling.
 *
 * Gaussians: the four 64-bit words w0..w3 of one Philox block give uniforms
 * u_j = (floor(w_j / 2^11) + 1/2) 2^-53 in (0, 1) (never 0, so the log is
 * finite), and the Box-Muller transform
 *   z0 = r cos(2 pi u1), z1 = r sin(2 pi u1), r = sqrt(-2 ln u0)
 * (and the same for u2, u3) gives four independent N(0,1) per block.
 */
#include <math.h>
#include <Random123/philox.h>

#include "fate.h"

static philox4x64_ctr_t philox_block(uint64_t seed, uint64_t instance, uint64_t stream,
                                     uint64_t block)
{
    philox4x64_ctr_t ctr = {{block, stream, 0, 0}};
    philox4x64_key_t key = {{seed, instance}};
    return philox4x64(ctr, key);
}

static double to_unit(uint64_t w) { return ((double)(w >> 11) + 0.5) * 0x1p-53; }

/* The four normals of one block, in order. */
static void normal_block(double z[4], uint64_t seed, uint64_t instance, uint64_t stream,
                         uint64_t block)
{
    philox4x64_ctr_t r = philox_block(seed, instance, stream, block);
    const double two_pi = 6.283185307179586476925286766559;
    for (int p = 0; p < 2; p++) {
        double u0 = to_unit(r.v[2 * p]), u1 = to_unit(r.v[2 * p + 1]);
        double rad = sqrt(-2.0 * log(u0));
        z[2 * p] = rad * cos(two_pi * u1);
        z[2 * p + 1] = rad * sin(two_pi * u1);
    }
}

double fate_normal_at(uint64_t seed, uint64_t instance, uint64_t stream, uint64_t i)
{
    double z[4];
    normal_block(z, seed, instance, stream, i / 4);
    return z[i % 4];
}

double fate_uniform_at(uint64_t seed, uint64_t instance, uint64_t stream, uint64_t i)
{
    philox4x64_ctr_t r = philox_block(seed, instance, stream ^ 0x8000000000000000ull, i / 4);
    return to_unit(r.v[i % 4]);
}

void fate_normal_fill(double *out, size_t count, uint64_t seed, uint64_t instance,
                      uint64_t stream, uint64_t offset)
{
    size_t j = 0;
    double z[4];
    /* leading partial block */
    while (j < count && (offset + j) % 4 != 0) {
        out[j] = fate_normal_at(seed, instance, stream, offset + j);
        j++;
    }
    for (; j + 4 <= count; j += 4) {
        normal_block(z, seed, instance, stream, (offset + j) / 4);
        out[j] = z[0];
        out[j + 1] = z[1];
        out[j + 2] = z[2];
        out[j + 3] = z[3];
    }
    for (; j < count; j++) out[j] = fate_normal_at(seed, instance, stream, offset + j);
}
