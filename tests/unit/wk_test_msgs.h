/* wk_test_msgs.h - the messages the library logs, captured for unit tests:
 *
 *   wk_test_msgs_capture();          (from now on, messages are kept here;
 *                                     called again, it forgets them)
 *   rc = call(...);
 *   ok(rc == WK_EFORMAT && wk_test_one_msg_with("chunk 0"), "refused");
 */
#ifndef WK_TEST_MSGS_H
#define WK_TEST_MSGS_H

#include <stdio.h>
#include <string.h>

#include "wormkit/wk_error.h"

static char wk_test_last_msg[2048];
static int wk_test_n_msgs;

static inline void wk_test_msg_hook(enum wk_log_level level, const char *msg, void *userdata)
{
    (void)level;
    (void)userdata;
    snprintf(wk_test_last_msg, sizeof wk_test_last_msg, "%s", msg);
    wk_test_n_msgs++;
}

/* Forget the messages so far and capture the next ones. */
static inline void wk_test_msgs_capture(void)
{
    wk_test_last_msg[0] = '\0';
    wk_test_n_msgs = 0;
    wk_log_set_hook(wk_test_msg_hook, NULL);
}

/* Exactly one message since the capture began, equal to want. */
static inline int wk_test_one_msg(const char *want)
{
    if (wk_test_n_msgs == 1 && strcmp(wk_test_last_msg, want) == 0)
        return 1;
    printf("#   %d messages, last: '%s'\n#   want: '%s'\n", wk_test_n_msgs, wk_test_last_msg, want);
    return 0;
}

/* Exactly one message since the capture began, containing part. */
static inline int wk_test_one_msg_with(const char *part)
{
    if (wk_test_n_msgs == 1 && strstr(wk_test_last_msg, part))
        return 1;
    printf("#   %d messages, last: '%s'\n#   want one with: '%s'\n", wk_test_n_msgs, wk_test_last_msg, part);
    return 0;
}

#endif
