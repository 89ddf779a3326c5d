/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-list.c: the prev/next lists of helpers/lib/list.h: prepending, and removing the
 * head, the tail and one in the middle, as the daemons do with their connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "list.h"

typedef struct Item Item;
struct Item {
        int value;
        Item *prev, *next;
};

/* The list as digits, front to back, checking the back links on the way. */
static int digits(const Item *head)
{
        int v = 0;

        for (const Item *i = head, *prev = NULL; i; prev = i, i = i->next) {
                assert_ptr_equal(i->prev, prev);
                v = v * 10 + i->value;
        }
        return v;
}

static void test_prepend_remove(void **state)
{
        Item items[4] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}};
        Item *head = NULL;

        (void)state;
        for (size_t i = 0; i < 4; i++)
                LIST_PREPEND(head, &items[i]);
        assert_int_equal(digits(head), 4321);

        LIST_REMOVE(head, &items[2]); /* the middle */
        assert_int_equal(digits(head), 421);
        assert_null(items[2].prev);
        assert_null(items[2].next);
        LIST_REMOVE(head, &items[3]); /* the head */
        assert_int_equal(digits(head), 21);
        LIST_REMOVE(head, &items[0]); /* the tail */
        assert_int_equal(digits(head), 2);
        LIST_REMOVE(head, &items[1]); /* the last one */
        assert_null(head);

        /* What was removed can go in again. */
        LIST_PREPEND(head, &items[2]);
        LIST_PREPEND(head, &items[0]);
        assert_int_equal(digits(head), 13);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_prepend_remove),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
