/* test_pool.c -- the worker pool runs every item exactly once, on at most the
 * workers asked for, with worker numbers in range; zero items and one worker
 * work; the background form does the same (base/pool). */
#include "base/pool.h"
#include "tests/testutil.h"

#include <stdatomic.h>
#include <string.h>

#define N 1000

typedef struct ctx {
    atomic_int runs[N];
    atomic_int bad_worker;
    int max_worker;
} ctx;

static void job(void *c, int worker, size_t item)
{
    ctx *x = c;
    atomic_fetch_add(&x->runs[item], 1);
    if (worker < 0 || worker >= x->max_worker) atomic_fetch_add(&x->bad_worker, 1);
}

static void check_once(ctx *x, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < N; i++) ok &= atomic_load(&x->runs[i]) == (i < n);
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(atomic_load(&x->bad_worker), 0);
}

static void test_run(void)
{
    static const struct {
        int workers;
        size_t n;
    } rows[] = {{1, N}, {4, N}, {8, 3}, {3, 0}, {0, 10}};
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        static ctx x;
        memset(&x, 0, sizeof x);
        x.max_worker = rows[r].workers < 1 ? 1 : rows[r].workers;
        int used = base_pool_run(rows[r].workers, rows[r].n, job, &x);
        CU_ASSERT(used >= 1 && used <= x.max_worker);
        check_once(&x, rows[r].n);
    }
}

static void test_background(void)
{
    static ctx x;
    memset(&x, 0, sizeof x);
    x.max_worker = 3;
    base_err e = BASE_ERR_INIT;
    base_pool *p = base_pool_start(3, N, job, &x, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    base_pool_join(p);
    check_once(&x, N);
    base_pool_join(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"run", test_run}, {"background", test_background}, {NULL, NULL}};
    return test_main("pool", cases);
}
