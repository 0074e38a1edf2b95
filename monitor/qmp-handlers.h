/* SPDX-License-Identifier: MIT */
/*
 * QMP command handlers, named after their commands ("query-status" ->
 * qmp_query_status).  The schema (qmp-schema.c) points at them; so does
 * the HMP table for every human command with a QMP twin.
 */
#ifndef TESSERA_MONITOR_QMP_HANDLERS_H
#define TESSERA_MONITOR_QMP_HANDLERS_H

#include "monitor/monitor-internal.h"

/* monitor/qmp-cmds.c: protocol, queries, run control */
JsonNode *qmp_qmp_capabilities(JsonObject *args, GError **errp);
JsonNode *qmp_query_version(JsonObject *args, GError **errp);
JsonNode *qmp_query_name(JsonObject *args, GError **errp);
JsonNode *qmp_query_status(JsonObject *args, GError **errp);
JsonNode *qmp_query_commands(JsonObject *args, GError **errp);
JsonNode *qmp_query_qmp_schema(JsonObject *args, GError **errp);
JsonNode *qmp_query_machines(JsonObject *args, GError **errp);
JsonNode *qmp_query_cpus_fast(JsonObject *args, GError **errp);
JsonNode *qmp_query_chardev(JsonObject *args, GError **errp);
JsonNode *qmp_stop(JsonObject *args, GError **errp);
JsonNode *qmp_cont(JsonObject *args, GError **errp);
JsonNode *qmp_system_reset(JsonObject *args, GError **errp);
JsonNode *qmp_system_powerdown(JsonObject *args, GError **errp);
JsonNode *qmp_quit(JsonObject *args, GError **errp);
JsonNode *qmp_human_monitor_command(JsonObject *args, GError **errp);

/* monitor/qmp-qom.c: the composition tree, types, devices, objects */
JsonNode *qmp_qom_list(JsonObject *args, GError **errp);
JsonNode *qmp_qom_get(JsonObject *args, GError **errp);
JsonNode *qmp_qom_set(JsonObject *args, GError **errp);
JsonNode *qmp_qom_list_types(JsonObject *args, GError **errp);
JsonNode *qmp_qom_list_properties(JsonObject *args, GError **errp);
JsonNode *qmp_device_list_properties(JsonObject *args, GError **errp);
JsonNode *qmp_device_add(JsonObject *args, GError **errp);
JsonNode *qmp_device_del(JsonObject *args, GError **errp);
JsonNode *qmp_object_add(JsonObject *args, GError **errp);
JsonNode *qmp_object_del(JsonObject *args, GError **errp);

/* monitor/qmp-net.c and hmp-net.c: the network layer through its hooks */
JsonNode *qmp_netdev_add(JsonObject *args, GError **errp);
JsonNode *qmp_netdev_del(JsonObject *args, GError **errp);
JsonNode *qmp_set_link(JsonObject *args, GError **errp);
JsonNode *qmp_query_rx_filter(JsonObject *args, GError **errp);
extern const QmpMember qmp_netdev_add_args[];
extern const QmpMember qmp_netdev_del_args[];
extern const QmpMember qmp_set_link_args[];
extern const QmpMember qmp_query_rx_filter_args[];
extern const QmpMember qmp_rx_filter_info_members[];
extern const QmpMember qmp_nic_rx_filter_changed_data[];
extern const char *const qmp_rx_state_values[];
void hmp_info_network(GString *out, const char *arg);
void hmp_info_usernet(GString *out, const char *arg);
void hmp_netdev_add(GString *out, JsonObject *args);
void hmp_set_link(GString *out, JsonObject *args);
void hmp_hostfwd_add(GString *out, JsonObject *args);
void hmp_hostfwd_remove(GString *out, JsonObject *args);

/* monitor/qmp-pci.c: PCI buses described by their bus classes */
JsonNode *qmp_query_pci(JsonObject *args, GError **errp);
void hmp_info_pci(GString *out, const char *arg);

/* monitor/qmp-libvirt.c: what libvirt's probe and a running domain ask */
JsonNode *qmp_query_target(JsonObject *args, GError **errp);
JsonNode *qmp_query_kvm(JsonObject *args, GError **errp);
JsonNode *qmp_query_tpm_models(JsonObject *args, GError **errp);
JsonNode *qmp_query_tpm_types(JsonObject *args, GError **errp);
JsonNode *qmp_query_command_line_options(JsonObject *args, GError **errp);
JsonNode *qmp_query_migrate_capabilities(JsonObject *args, GError **errp);
JsonNode *qmp_query_cpu_definitions(JsonObject *args, GError **errp);
JsonNode *qmp_query_hotpluggable_cpus(JsonObject *args, GError **errp);
JsonNode *qmp_query_iothreads(JsonObject *args, GError **errp);
JsonNode *qmp_query_uuid(JsonObject *args, GError **errp);
JsonNode *qmp_query_memory_size_summary(JsonObject *args, GError **errp);

/* monitor/qmp-fdpass.c: fds passed over the QMP socket */
JsonNode *qmp_getfd(JsonObject *args, GError **errp);
JsonNode *qmp_closefd(JsonObject *args, GError **errp);
JsonNode *qmp_add_fd(JsonObject *args, GError **errp);
JsonNode *qmp_remove_fd(JsonObject *args, GError **errp);
JsonNode *qmp_query_fdsets(JsonObject *args, GError **errp);

/* monitor/qmp-domain.c: a running domain's management */
JsonNode *qmp_migrate_set_capabilities(JsonObject *args, GError **errp);
extern const char *const qmp_migration_capability_values[];

#endif
