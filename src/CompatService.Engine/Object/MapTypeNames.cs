// Generated from enum bpf_map_type in the BTF of Debian kernel 7.2.13+deb14-amd64
// (shared/corpus/btf/debian-7.2.13+deb14-amd64/vmlinux.btf.gz): BPF_MAP_TYPE_<X> as "<x>" (the _DEPRECATED aliases left
// out). Ids are the kernel's UAPI map type numbers (stable: map types are only ever appended).
namespace CompatService.Engine.Object;

/// <summary>enum bpf_map_type id → name, lower-case without BPF_MAP_TYPE_ ("ringbuf", "arena"), as libbpf's map_type_name[] prints.</summary>
public static class MapTypeNames
{
    private static readonly string[] Table =
    [
        "unspec", // 0
        "hash", // 1
        "array", // 2
        "prog_array", // 3
        "perf_event_array", // 4
        "percpu_hash", // 5
        "percpu_array", // 6
        "stack_trace", // 7
        "cgroup_array", // 8
        "lru_hash", // 9
        "lru_percpu_hash", // 10
        "lpm_trie", // 11
        "array_of_maps", // 12
        "hash_of_maps", // 13
        "devmap", // 14
        "sockmap", // 15
        "cpumap", // 16
        "xskmap", // 17
        "sockhash", // 18
        "cgroup_storage", // 19
        "reuseport_sockarray", // 20
        "percpu_cgroup_storage", // 21
        "queue", // 22
        "stack", // 23
        "sk_storage", // 24
        "devmap_hash", // 25
        "struct_ops", // 26
        "ringbuf", // 27
        "inode_storage", // 28
        "task_storage", // 29
        "bloom_filter", // 30
        "user_ringbuf", // 31
        "cgrp_storage", // 32
        "arena", // 33
        "insn_array", // 34
        "rhash", // 35
    ];

    /// <summary>The name for a map type id, or null for ids this table does not know.</summary>
    public static string? Name(uint id) => id < Table.Length ? Table[id] : null;
}
