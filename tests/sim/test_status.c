/* test_status.c -- status text and error record formatting (sim/base/status). */
#include "sim/base/status.h"
#include "tests/testutil.h"

#include <string.h>

static void test_text(void)
{
    for (int s = 0; s < SIM_STATUS_COUNT; s++) CU_ASSERT_PTR_NOT_NULL(sim_status_str(s));
    CU_ASSERT_STRING_EQUAL(sim_status_str(SIM_OK), "ok");
    CU_ASSERT_STRING_EQUAL(sim_status_str((sim_status)999), "unknown status");
    CU_ASSERT_STRING_EQUAL(sim_status_str((sim_status)-1), "unknown status");
}

static void test_format(void)
{
    static const struct {
        const char *file;
        int line;
        const char *want;
    } rows[] = {
        {"a.ini", 7, "a.ini:7: bad K 3"},
        {"a.ini", 0, "a.ini: bad K 3"},
        {NULL, 7, "bad K 3"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        sim_err e = SIM_ERR_INIT;
        char buf[600];
        CU_ASSERT_EQUAL(sim_err_set(&e, SIM_EINVAL, rows[i].file, rows[i].line, "bad K %d", 3),
                        SIM_EINVAL);
        CU_ASSERT_STRING_EQUAL(sim_err_format(&e, buf, sizeof buf), rows[i].want);
    }
}

static void test_locate_and_null(void)
{
    sim_err e = SIM_ERR_INIT;
    char buf[600];
    CU_ASSERT_EQUAL(sim_err_set(NULL, SIM_EIO, "x", 1, "ignored"), SIM_EIO);
    sim_err_set(&e, SIM_EFORMAT, NULL, 0, "bad value");
    sim_err_locate(&e, "s.ini", 12);
    CU_ASSERT_STRING_EQUAL(sim_err_format(&e, buf, sizeof buf), "s.ini:12: bad value");
    sim_err_locate(&e, "other.ini", 3); /* first location wins */
    CU_ASSERT_EQUAL(e.line, 12);
    sim_err_clear(&e);
    CU_ASSERT_EQUAL(e.code, SIM_OK);
    CU_ASSERT_STRING_EQUAL(sim_err_format(&e, buf, sizeof buf), "ok");
}

int main(void)
{
    static const test_case cases[] = {
        {"status text", test_text},
        {"error format", test_format},
        {"locate and NULL record", test_locate_and_null},
        {NULL, NULL},
    };
    return test_main("status", cases);
}
