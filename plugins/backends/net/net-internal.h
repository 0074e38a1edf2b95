/* SPDX-License-Identifier: MIT */
/* Inside the net library module: what its files share. */
#ifndef TESSERA_NET_INTERNAL_H
#define TESSERA_NET_INTERNAL_H

#include "net/net.h"

void net_hub_flush(NetHub *hub);
void net_hub_info(GString *out, void (*print_client)(GString *, NetClientState *, int));
void net_filter_dump_detach(NetFilterDump *f);
extern const MonitorNetHooks net_monitor_hooks;

#endif
