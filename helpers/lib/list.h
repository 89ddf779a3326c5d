/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list.h: doubly linked lists through `prev` and `next` members, headed by a pointer.
 *
 * The daemons keep what is live (connections, clients, queries in flight) in such lists,
 * so that any one of them leaves in O(1) when it is freed and all of them can be freed at
 * exit. Modelled on systemd's list.h, but only the two operations we use.
 */
#pragma once

/* Put item at the front of the list headed by head. */
#define LIST_PREPEND(head, item)                                                                            \
        do {                                                                                                \
                __typeof__(*(item)) *_item_ = (item);                                                       \
                _item_->prev = NULL;                                                                        \
                _item_->next = (head);                                                                      \
                if (_item_->next)                                                                           \
                        _item_->next->prev = _item_;                                                        \
                (head) = _item_;                                                                            \
        } while (0)

/* Take item out of the list headed by head. */
#define LIST_REMOVE(head, item)                                                                             \
        do {                                                                                                \
                __typeof__(*(item)) *_item_ = (item);                                                       \
                if (_item_->prev)                                                                           \
                        _item_->prev->next = _item_->next;                                                  \
                else                                                                                        \
                        (head) = _item_->next;                                                              \
                if (_item_->next)                                                                           \
                        _item_->next->prev = _item_->prev;                                                  \
                _item_->prev = _item_->next = NULL;                                                         \
        } while (0)
