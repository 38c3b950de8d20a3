/* test_resources.c -- the run's shared agents and lexicons (sim/resources):
 * each model path is loaded once however often it is added, lookups find it,
 * a receiver opened on the resources borrows the shared agent (and one opened
 * without loads its own), a missing model file is an error, bad inputs. */
#include "sim/receiver.h"
#include "sim/resources.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

static void test_agents_once(void)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.h5", test_tmpdir());
    snprintf(b, sizeof b, "%s/b.h5", test_tmpdir());
    test_save_tiny_agent(a, 8, 1);
    test_save_tiny_agent(b, 12, 2);
    base_err e = BASE_ERR_INIT;
    sim_resources *res = sim_resources_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_EQUAL(sim_resources_add_agent(res, a, &e), BASE_OK);
    const codec_recognizer *ra = sim_resources_agent(res, a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
    CU_ASSERT_EQUAL(sim_resources_add_agent(res, a, &e), BASE_OK); /* again: the same object */
    CU_ASSERT_PTR_EQUAL(sim_resources_agent(res, a), ra);
    CU_ASSERT_EQUAL(sim_resources_agents(res), 1);
    CU_ASSERT_EQUAL(sim_resources_add_agent(res, b, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_resources_agents(res), 2);
    CU_ASSERT_EQUAL(codec_recognizer_latent_dim(sim_resources_agent(res, b)), 12);
    CU_ASSERT_EQUAL(codec_recognizer_latent_dim(ra), 8);
    CU_ASSERT_PTR_NULL(sim_resources_agent(res, "/no/such/model.h5"));
    CU_ASSERT_PTR_NULL(sim_resources_lexicon(res, ""));
    CU_ASSERT_EQUAL(sim_resources_lexicons(res), 0);

    /* a transmitter opened on the resources borrows; one without loads its own */
    sim_receiver g;
    CU_ASSERT_EQUAL_FATAL(sim_receiver_open_greedy(&g, a, res, &e), BASE_OK);
    CU_ASSERT_PTR_EQUAL(g.r, ra);
    CU_ASSERT_PTR_NULL(g.own_r);
    CU_ASSERT_PTR_NOT_NULL(g.ws);
    sim_receiver_close(&g);
    CU_ASSERT_PTR_NOT_NULL(sim_resources_agent(res, a)); /* closing did not free the shared one */
    CU_ASSERT_EQUAL_FATAL(sim_receiver_open_greedy(&g, a, NULL, &e), BASE_OK);
    CU_ASSERT_PTR_NOT_NULL(g.own_r);
    CU_ASSERT_PTR_EQUAL(g.r, g.own_r);
    CU_ASSERT_PTR_NOT_EQUAL(g.r, ra);
    sim_receiver_close(&g);
    sim_receiver_close(&g); /* closed: no-op */
    sim_resources_destroy(res);
}

static void test_errors(void)
{
    base_err e = BASE_ERR_INIT;
    sim_resources *res = sim_resources_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_NOT_EQUAL(sim_resources_add_agent(res, "/no/such/model.h5", &e), BASE_OK);
    CU_ASSERT(strlen(e.msg) > 0);
    CU_ASSERT_EQUAL(sim_resources_agents(res), 0);
    CU_ASSERT_EQUAL(sim_resources_add_agent(NULL, "x", NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(sim_resources_add_agent(res, NULL, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(sim_resources_add_lexicon(res, NULL, NULL), BASE_EINVAL);
    CU_ASSERT_PTR_NULL(sim_resources_agent(NULL, "x"));
    CU_ASSERT_PTR_NULL(sim_resources_lexicon(NULL, ""));
    CU_ASSERT_EQUAL(sim_resources_agents(NULL), 0);
    sim_resources_destroy(res);
    sim_resources_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"each agent loaded once and borrowed", test_agents_once},
        {"errors and bad inputs", test_errors},
        {NULL, NULL},
    };
    return test_main("sim/resources", cases);
}
