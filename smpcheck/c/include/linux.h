/*
 * smpcheck's kernel header: what a C model may use without an #include.
 *
 * The types are declared for the parser; the kernel API itself (READ_ONCE,
 * spin_lock, atomic_*, kmalloc, ...) is smpcheck.kernel, called by name.
 * The list functions below are written in C, as <linux/list.h> and
 * <linux/rculist.h> define them: a trace through them shows these lines.
 */
typedef _Bool bool;
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef u32 __u32;
typedef u64 __u64;
typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned long uintptr_t;
typedef unsigned int gfp_t;
typedef int spinlock_t;
typedef int raw_spinlock_t;
typedef int atomic_t;
typedef long atomic_long_t;
typedef int refcount_t;
typedef unsigned seqcount_t;
typedef int wait_queue_head_t;
struct mutex { int __smp_mutex; };
struct srcu_struct { int __smp_srcu; };
struct list_head { struct list_head *next, *prev; };
struct hlist_node { struct hlist_node *next, **pprev; };
struct rcu_head { void *__smp_next; };
typedef long long atomic64_t;
typedef int rwlock_t;
typedef int seqlock_t;
struct rw_semaphore { int __smp_rwsem; };
struct wait_queue_entry { int __smp_entry; };
struct task_struct { int __smp_task; };

#define true 1
#define false 0
#define likely(x) (x)
#define unlikely(x) (x)
#define __always_inline inline
#define noinline
#define __rcu
#define __read_mostly
#define __maybe_unused
#define __must_check
#define __force
#define __init
#define __exit
#define __user
#define __percpu
#define __attribute__(x)
#define __aligned(x)
#define __packed
#define __cacheline_aligned
#define ____cacheline_aligned
#define GFP_KERNEL 0
#define GFP_ATOMIC 0
#define GFP_NOWAIT 0
#define __GFP_ZERO 0
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define might_sleep() ((void)0)
#define BUILD_BUG_ON(cond) ((void)0)
#define printk(...) ((void)0)
#define assert(cond) BUG_ON(!(cond))
#define min(a, b) __smp_min(a, b)
#define max(a, b) __smp_max(a, b)
#define kfree_rcu(p, rhf) kfree_rcu(p)
#define pr_info(...) ((void)0)
#define pr_debug(...) ((void)0)
#define pr_err(...) ((void)0)
#define pr_warn(...) ((void)0)

#define DEFINE_SPINLOCK(x) spinlock_t x
#define DEFINE_MUTEX(x) struct mutex x
#define DEFINE_SRCU(x) struct srcu_struct x
#define DEFINE_STATIC_SRCU(x) static struct srcu_struct x
#define ATOMIC_INIT(i) (i)
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
#define ARRAY_SIZE(a) __smp_array_size(a)
#define DECLARE_WAIT_QUEUE_HEAD(name) wait_queue_head_t name
#define DEFINE_WAIT(name) struct wait_queue_entry name = DEFINE_WAIT()
#define current get_current()
#define DEFINE_SEQLOCK(x) seqlock_t x
#define SEQCNT_ZERO(name) 0
#define REFCOUNT_INIT(n) (n)
#define DEFINE_RWLOCK(x) rwlock_t x
#define DECLARE_RWSEM(x) struct rw_semaphore x

#define container_of(ptr, type, member) ((type *)__smp_container_of(ptr, #member))
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_entry_rcu(ptr, type, member) container_of(READ_ONCE(ptr), type, member)
#define list_first_or_null_rcu(ptr, type, member) \
	__smp_first_or_null(ptr, rcu_dereference((ptr)->next), #member)
#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member) \
	for (pos = __smp_container_of((head)->next, #member); &pos->member != (head); \
	     pos = __smp_container_of(pos->member.next, #member))
#define list_for_each_entry_safe(pos, n, head, member) \
	for (pos = __smp_container_of((head)->next, #member), \
	     n = __smp_container_of(pos->member.next, #member); \
	     &pos->member != (head); \
	     pos = n, n = __smp_container_of(n->member.next, #member))
#define list_next_entry(pos, member) __smp_container_of((pos)->member.next, #member)
#define list_last_entry(ptr, type, member) list_entry((ptr)->prev, type, member)
#define list_first_entry_or_null(ptr, type, member) \
	(!list_empty(ptr) ? list_first_entry(ptr, type, member) : NULL)
#define list_for_each_entry_rcu(pos, head, member, ...) \
	for (pos = __smp_container_of(rcu_dereference((head)->next), #member); \
	     &pos->member != (head); \
	     pos = __smp_container_of(rcu_dereference(pos->member.next), #member))

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	WRITE_ONCE(list->next, list);
	WRITE_ONCE(list->prev, list);
}

static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = new;
	new->next = next;
	new->prev = prev;
	WRITE_ONCE(prev->next, new);
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	WRITE_ONCE(prev->next, next);
}

static inline void list_del(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	entry->next = NULL;
	entry->prev = NULL;
}

static inline void list_del_init(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	INIT_LIST_HEAD(entry);
}

static inline int list_is_last(const struct list_head *list, const struct list_head *head)
{
	return list->next == head;
}

static inline int list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

static inline void list_add_rcu(struct list_head *new, struct list_head *head)
{
	struct list_head *next = head->next;

	new->next = next;
	new->prev = head;
	rcu_assign_pointer(head->next, new);
	next->prev = new;
}

static inline void list_del_rcu(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	entry->prev = NULL;
}

static inline void list_replace_rcu(struct list_head *old, struct list_head *new)
{
	new->next = old->next;
	new->prev = old->prev;
	rcu_assign_pointer(new->prev->next, new);
	new->next->prev = new;
	old->prev = NULL;
}
