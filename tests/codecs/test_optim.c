/* test_optim.c -- codecs/optim: schedule shape, clipping, AdamW against a
 * hand-computed step, convergence on a quadratic, bad configs. */
#include "codecs/optim.h"
#include "tests/testutil.h"

#include <math.h>
#include <string.h>

static void test_schedule(void)
{
    codec_optim_config c = codec_optim_default(110, 10);
    c.lr = 1.0f, c.min_lr_ratio = 0.1f;
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 0), 0.1, 1e-6);
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 9), 1.0, 1e-6);
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 10), 1.0, 1e-6);
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 60), 0.1 + 0.9 * 0.5, 1e-6); /* cosine midpoint */
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 110), 0.1, 1e-6);
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 500), 0.1, 1e-6);
    c.decay = CODEC_LR_LINEAR;
    TEST_ASSERT_NEAR(codec_optim_lr(&c, 35), 0.1 + 0.9 * 0.75, 1e-6);
    for (long s = 11; s < 110; s++) CU_ASSERT(codec_optim_lr(&c, s) <= codec_optim_lr(&c, s - 1));
}

static void test_adamw_step(void)
{
    codec_optim_config c = codec_optim_default(100, 0);
    c.lr = 0.1f, c.weight_decay = 0.5f, c.clip_norm = 0, c.min_lr_ratio = 1;
    float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, -4.0f}, m[2] = {0}, v[2] = {0};
    unsigned char decay[2] = {1, 0};
    codec_optim_step(&c, 0, p, g, m, v, decay, NULL, 2);
    /* first step: mhat = g, vhat = g^2, update = sign(g) (+ wd*p where decayed) */
    TEST_ASSERT_NEAR(p[0], 1.0 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.5 * 1.0), 1e-6);
    TEST_ASSERT_NEAR(p[1], -2.0 - 0.1 * (-1.0), 1e-6);
    /* frozen parameters stay */
    unsigned char frozen[2] = {1, 0};
    float q[2] = {3, 3};
    codec_optim_step(&c, 1, q, g, m, v, NULL, frozen, 2);
    CU_ASSERT_EQUAL(q[0], 3.0f);
    CU_ASSERT(q[1] != 3.0f);
}

static void test_clipping(void)
{
    codec_optim_config c = codec_optim_default(100, 0);
    c.clip_norm = 1.0f, c.weight_decay = 0, c.lr = 1e-3f;
    float g[2] = {3, 4}, p[2] = {0, 0}, m[2] = {0}, v[2] = {0};
    TEST_ASSERT_NEAR(codec_optim_grad_norm(g, 2), 5.0, 1e-9);
    double n = codec_optim_step(&c, 0, p, g, m, v, NULL, NULL, 2);
    TEST_ASSERT_NEAR(n, 5.0, 1e-9);
    /* first moment holds the clipped gradient: (1-beta1) * g/5 */
    TEST_ASSERT_NEAR(m[0], 0.1 * 0.6, 1e-6);
    TEST_ASSERT_NEAR(m[1], 0.1 * 0.8, 1e-6);
    float bad[2] = {NAN, 1};
    float p2[2] = {1, 1};
    codec_optim_step(&c, 1, p2, bad, m, v, NULL, NULL, 2);
    CU_ASSERT(p2[0] == 1 && p2[1] == 1); /* non-finite gradient: step skipped */
}

static void test_converges(void)
{
    /* minimise sum (p - target)^2 */
    codec_optim_config c = codec_optim_default(500, 20);
    c.lr = 0.05f, c.weight_decay = 0;
    float p[4] = {0}, g[4], m[4] = {0}, v[4] = {0}, target[4] = {1, -2, 0.5f, 3};
    for (long s = 0; s < 500; s++) {
        for (int i = 0; i < 4; i++) g[i] = 2 * (p[i] - target[i]);
        codec_optim_step(&c, s, p, g, m, v, NULL, NULL, 4);
    }
    TEST_ASSERT_CLOSE_F(p, target, 4, 1e-2);
}

static void test_bad_config(void)
{
    base_err e = BASE_ERR_INIT;
    codec_optim_config c = codec_optim_default(100, 10);
    CU_ASSERT_EQUAL(codec_optim_check(&c, &e), BASE_OK);
    codec_optim_config b = c;
    b.lr = 0;
    CU_ASSERT_EQUAL(codec_optim_check(&b, &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "lr") != NULL);
    b = c, b.beta1 = 1.0f;
    CU_ASSERT_EQUAL(codec_optim_check(&b, &e), BASE_EINVAL);
    b = c, b.warmup_steps = 100;
    CU_ASSERT_EQUAL(codec_optim_check(&b, &e), BASE_EINVAL);
    b = c, b.clip_norm = -1;
    CU_ASSERT_EQUAL(codec_optim_check(&b, &e), BASE_EINVAL);
    b = c, b.min_lr_ratio = 2;
    CU_ASSERT_EQUAL(codec_optim_check(&b, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_optim_check(NULL, &e), BASE_EINVAL);
}

static const test_case cases[] = {
    {"warm-up and cosine/linear decay", test_schedule},
    {"AdamW step by hand, decay mask, frozen", test_adamw_step},
    {"global-norm clipping, non-finite skip", test_clipping},
    {"converges on a quadratic", test_converges},
    {"bad configs rejected", test_bad_config},
    {NULL, NULL},
};

int main(void)
{
    return test_main("optim", cases);
}
