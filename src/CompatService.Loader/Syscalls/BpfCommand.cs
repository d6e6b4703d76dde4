using CompatService.Engine.Preparation;

namespace CompatService.Loader.Syscalls;

/// <summary>bpf(2) commands (enum bpf_cmd, include/uapi/linux/bpf.h). Only the ones the loader issues.</summary>
public enum BpfCommand
{
    MapCreate = 0,
    MapLookupElem = 1,
    MapUpdateElem = 2,
    MapDeleteElem = 3,
    ProgLoad = 5,
    ObjPin = 6,
    ObjGetInfoByFd = 15,
    BtfLoad = 18,
    BtfGetFdById = 19,
    MapFreeze = 22,
    BtfGetNextId = 23,
}

/// <summary>Constants from the bpf uapi the loader needs.</summary>
public static class BpfConst
{
    // prog_flags
    public const uint FSleepable = 1u << 4;
    public const uint FXdpHasFrags = 1u << 5;
    // map_flags
    public const uint FRdonlyProg = 1u << 7;
    public const uint FMmapable = 1u << 10;
    public const uint FLink = 1u << 13;
    public const uint FVtypeBtfObjFd = 1u << 15;
    // map types used by the loader's special cases
    public const uint MapTypeHash = 1, MapTypeArray = 2, MapTypePerfEventArray = MapPreparation.MapTypePerfEventArray, MapTypeStackTrace = MapPreparation.MapTypeStackTrace, MapTypeCgroupArray = 8,
        MapTypeArrayOfMaps = 12, MapTypeHashOfMaps = 13, MapTypeDevmap = 14, MapTypeSockmap = 15, MapTypeCpumap = 16,
        MapTypeXskmap = 17, MapTypeSockhash = 18, MapTypeQueue = 22, MapTypeStack = 23, MapTypeStructOps = 26,
        MapTypeRingbuf = MapPreparation.MapTypeRingbuf, MapTypeDevmapHash = 25, MapTypeArena = 33;
    public const int ObjNameLen = MapPreparation.ObjNameLen;
}

/// <summary>errno values the loader reacts to (Linux, all architectures we target).</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
        EFAULT = 14, EBUSY = 16, EEXIST = 17, EINVAL = 22, ENOSPC = 28, ENOSYS = 38, ENOTSUPP = 524, EOPNOTSUPP = 95;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", E2BIG => "E2BIG", EBADF => "EBADF",
        EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY", EEXIST => "EEXIST",
        EINVAL => "EINVAL", ENOSPC => "ENOSPC", ENOSYS => "ENOSYS", ENOTSUPP => "ENOTSUPP", EOPNOTSUPP => "EOPNOTSUPP",
        _ => "errno " + errno,
    };
}
