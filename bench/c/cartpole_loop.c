/*
 * Baseline for `astromech bench env CartPole-v1`: a plain single-threaded C loop stepping N CartPole
 * copies with Gymnasium's float64 physics (Euler integrator, same constants and termination), uniformly
 * random actions from a xorshift generator, autoreset to U(-0.05, 0.05)^4 and the 500-step time limit.
 * Observations are written as float32 into a buffer, as the C# vector env does.
 * usage: cartpole_loop N_ENVS TOTAL_STEPS   → prints one JSON line with steps_per_second
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static inline uint64_t next_u64(void) {
    uint64_t x = rng_state;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return rng_state = x;
}
static inline double uniform(double lo, double hi) { return lo + (hi - lo) * ((next_u64() >> 11) * (1.0 / 9007199254740992.0)); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 64;
    long long total = argc > 2 ? atoll(argv[2]) : 100000000LL;
    const double gravity = 9.8, masscart = 1.0, masspole = 0.1, total_mass = masspole + masscart;
    const double length = 0.5, polemass_length = masspole * length, force_mag = 10.0, tau = 0.02;
    const double theta_threshold = 12 * 2 * M_PI / 360, x_threshold = 2.4;
    double *x = malloc(sizeof(double) * n), *xd = malloc(sizeof(double) * n);
    double *th = malloc(sizeof(double) * n), *thd = malloc(sizeof(double) * n);
    int *steps = calloc(n, sizeof(int));
    float *obs = malloc(sizeof(float) * 4 * n), *rew = malloc(sizeof(float) * n);
    unsigned char *term = malloc(n), *trunc = malloc(n);
    int *act = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) { x[i] = uniform(-.05, .05); xd[i] = uniform(-.05, .05); th[i] = uniform(-.05, .05); thd[i] = uniform(-.05, .05); }
    long long vsteps = total / n, episodes = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long s = 0; s < vsteps; s++) {
        for (int i = 0; i < n; i++) act[i] = (int)(next_u64() >> 63);
        for (int i = 0; i < n; i++) {
            double force = act[i] == 1 ? force_mag : -force_mag;
            double c = cos(th[i]), sn = sin(th[i]);
            double temp = (force + polemass_length * thd[i] * thd[i] * sn) / total_mass;
            double thacc = (gravity * sn - c * temp) / (length * (4.0 / 3.0 - masspole * c * c / total_mass));
            double xacc = temp - polemass_length * thacc * c / total_mass;
            x[i] += tau * xd[i]; xd[i] += tau * xacc; th[i] += tau * thd[i]; thd[i] += tau * thacc;
            steps[i]++;
            int done = x[i] < -x_threshold || x[i] > x_threshold || th[i] < -theta_threshold || th[i] > theta_threshold;
            term[i] = (unsigned char)done; trunc[i] = (unsigned char)(!done && steps[i] >= 500);
            rew[i] = 1.0f;
            if (term[i] || trunc[i]) {
                episodes++; steps[i] = 0;
                x[i] = uniform(-.05, .05); xd[i] = uniform(-.05, .05); th[i] = uniform(-.05, .05); thd[i] = uniform(-.05, .05);
            }
            obs[4 * i] = (float)x[i]; obs[4 * i + 1] = (float)xd[i]; obs[4 * i + 2] = (float)th[i]; obs[4 * i + 3] = (float)thd[i];
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    double checksum = 0; for (int i = 0; i < 4 * n; i++) checksum += obs[i];
    printf("{\"impl\":\"c\",\"envs\":%d,\"steps\":%lld,\"episodes\":%lld,\"seconds\":%.4f,\"steps_per_second\":%.0f,\"checksum\":%g}\n",
           n, vsteps * n, episodes, sec, vsteps * n / sec, checksum);
    return 0;
}
