"""A small seccomp filter for the sandbox, as the classic BPF program bubblewrap's --seccomp takes.

Everything is allowed except the system calls that reach past the sandbox or attack what runs
beside it: tracing another process (ptrace, process_vm_*), the kernel keyring, loading BPF
programs, perf events, userfaultfd, io_uring, mounting, new namespaces, kernel modules, kexec,
reboot and swap. A blocked call fails with EPERM; a system call made through another ABI (32-bit
x86 or x32, a known way around filters keyed on numbers) kills the process.
"""

import platform
import struct

# struct seccomp_data: int nr; __u32 arch; ...
_NR_OFFSET, _ARCH_OFFSET = 0, 4
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_ERRNO_EPERM = 0x00050000 | 1
_X32_BIT = 0x40000000

BLOCKED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "open_by_handle_at", "name_to_handle_at", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct",
)  # fmt: skip

# Linux system call numbers per architecture (arch/x86/entry/syscalls/syscall_64.tbl and
# include/uapi/asm-generic/unistd.h), with the AUDIT_ARCH_* value the kernel reports.
_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "keyctl": 250,
            "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
            "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
            "io_uring_register": 427, "mount": 165, "umount2": 166, "pivot_root": 155,
            "chroot": 161, "unshare": 272, "setns": 308, "open_tree": 428, "move_mount": 429,
            "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
            "open_by_handle_at": 304, "name_to_handle_at": 303, "init_module": 175,
            "finit_module": 313, "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320,
            "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "keyctl": 219,
            "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241,
            "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
            "io_uring_register": 427, "mount": 40, "umount2": 39, "pivot_root": 41,
            "chroot": 51, "unshare": 97, "setns": 268, "open_tree": 428, "move_mount": 429,
            "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
            "open_by_handle_at": 265, "name_to_handle_at": 264, "init_module": 105,
            "finit_module": 273, "delete_module": 106, "kexec_load": 104, "kexec_file_load": 294,
            "reboot": 142, "swapon": 224, "swapoff": 225, "acct": 89,
        },
    ),
}  # fmt: skip


def supported() -> bool:
    return platform.machine() in _ARCHES


def program(machine: str | None = None) -> bytes:
    """The filter as an array of struct sock_filter {u16 code; u8 jt, jf; u32 k}."""
    arch, numbers = _ARCHES[machine or platform.machine()]
    blocked = sorted({numbers[name] for name in BLOCKED})
    ops: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, _ARCH_OFFSET),
        (_JEQ_K, 1, 0, arch),
        (_RET_K, 0, 0, _KILL_PROCESS),
        (_LD_W_ABS, 0, 0, _NR_OFFSET),
    ]
    if arch == _ARCHES["x86_64"][0]:
        ops.append((_JGE_K, len(blocked) + 2, 0, _X32_BIT))  # to the KILL at the very end
    for index, number in enumerate(blocked):
        ops.append((_JEQ_K, len(blocked) - index, 0, number))  # to the EPERM after ALLOW
    ops += [(_RET_K, 0, 0, _ALLOW), (_RET_K, 0, 0, _ERRNO_EPERM), (_RET_K, 0, 0, _KILL_PROCESS)]
    return b"".join(struct.pack("=HBBI", *op) for op in ops)
