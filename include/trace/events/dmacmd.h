/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dmacmd

#if !defined(_TRACE_DMACMD_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DMACMD_H

#include <linux/device.h>
#include <linux/tracepoint.h>

#define DMACMD_TRACE_DEV_LEN	32

/*
 * A record names its command by a keyed hash of the address, as %p does in
 * text: the ring buffer (trace_pipe_raw, perf, "nohash-ptr") never holds
 * a kernel address.  dmacmd_debug.c.
 */
u32 dmacmd_trace_id(const void *obj);

/* prepare and complete: one range of one command */
DECLARE_EVENT_CLASS(dmacmd_range,
	TP_PROTO(const void *cmd, struct device *dev, u64 offset, u64 length,
		 unsigned int nents, u64 bounced, int ret),
	TP_ARGS(cmd, dev, offset, length, nents, bounced, ret),
	TP_STRUCT__entry(
		__field(u32, cmd)
		__array(char, dev, DMACMD_TRACE_DEV_LEN)
		__field(u64, offset)
		__field(u64, length)
		__field(unsigned int, nents)
		__field(u64, bounced)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->cmd = dmacmd_trace_id(cmd);
		strscpy(__entry->dev, dev ? dev_name(dev) : "-",
			DMACMD_TRACE_DEV_LEN);
		__entry->offset = offset;
		__entry->length = length;
		__entry->nents = nents;
		__entry->bounced = bounced;
		__entry->ret = ret;
	),
	TP_printk("cmd=%08x dev=%s offset=%llu length=%llu nents=%u bounced=%llu ret=%d",
		  __entry->cmd, __entry->dev, __entry->offset, __entry->length,
		  __entry->nents, __entry->bounced, __entry->ret)
);

DEFINE_EVENT(dmacmd_range, dmacmd_prepare,
	TP_PROTO(const void *cmd, struct device *dev, u64 offset, u64 length,
		 unsigned int nents, u64 bounced, int ret),
	TP_ARGS(cmd, dev, offset, length, nents, bounced, ret));

DEFINE_EVENT(dmacmd_range, dmacmd_complete,
	TP_PROTO(const void *cmd, struct device *dev, u64 offset, u64 length,
		 unsigned int nents, u64 bounced, int ret),
	TP_ARGS(cmd, dev, offset, length, nents, bounced, ret));

TRACE_EVENT(dmacmd_synchronize,
	TP_PROTO(const void *cmd, struct device *dev, u32 options, int ret),
	TP_ARGS(cmd, dev, options, ret),
	TP_STRUCT__entry(
		__field(u32, cmd)
		__array(char, dev, DMACMD_TRACE_DEV_LEN)
		__field(u32, options)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->cmd = dmacmd_trace_id(cmd);
		strscpy(__entry->dev, dev ? dev_name(dev) : "-",
			DMACMD_TRACE_DEV_LEN);
		__entry->options = options;
		__entry->ret = ret;
	),
	TP_printk("cmd=%08x dev=%s options=%#x ret=%d", __entry->cmd,
		  __entry->dev, __entry->options, __entry->ret)
);

TRACE_EVENT(dmacmd_bounce_copy,
	TP_PROTO(const void *cmd, struct device *dev, bool to_bounce,
		 u64 offset, u64 bytes),
	TP_ARGS(cmd, dev, to_bounce, offset, bytes),
	TP_STRUCT__entry(
		__field(u32, cmd)
		__array(char, dev, DMACMD_TRACE_DEV_LEN)
		__field(bool, to_bounce)
		__field(u64, offset)
		__field(u64, bytes)
	),
	TP_fast_assign(
		__entry->cmd = dmacmd_trace_id(cmd);
		strscpy(__entry->dev, dev ? dev_name(dev) : "-",
			DMACMD_TRACE_DEV_LEN);
		__entry->to_bounce = to_bounce;
		__entry->offset = offset;
		__entry->bytes = bytes;
	),
	TP_printk("cmd=%08x dev=%s %s offset=%llu bytes=%llu", __entry->cmd,
		  __entry->dev, __entry->to_bounce ? "memory->bounce" : "bounce->memory",
		  __entry->offset, __entry->bytes)
);

TRACE_EVENT(dmacmd_gen_segments,
	TP_PROTO(const void *cmd, struct device *dev, u64 offset, u64 next,
		 u32 nsegs, int ret),
	TP_ARGS(cmd, dev, offset, next, nsegs, ret),
	TP_STRUCT__entry(
		__field(u32, cmd)
		__array(char, dev, DMACMD_TRACE_DEV_LEN)
		__field(u64, offset)
		__field(u64, next)
		__field(u32, nsegs)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->cmd = dmacmd_trace_id(cmd);
		strscpy(__entry->dev, dev ? dev_name(dev) : "-",
			DMACMD_TRACE_DEV_LEN);
		__entry->offset = offset;
		__entry->next = next;
		__entry->nsegs = nsegs;
		__entry->ret = ret;
	),
	TP_printk("cmd=%08x dev=%s offset=%llu next=%llu nsegs=%u ret=%d",
		  __entry->cmd, __entry->dev, __entry->offset, __entry->next,
		  __entry->nsegs, __entry->ret)
);

#endif /* _TRACE_DMACMD_H */

#include <trace/define_trace.h>
