# gen.py OUTDIR FIXTURES: writes OUTDIR/xid-10k.log (10,000 NVRM Xid lines
# in the dmesg --time-format iso style, mixed codes, 8 GPUs, interleaved
# with 10,000 unrelated kernel lines) and OUTDIR/smi-100gpu.xml (the real
# H100 `nvidia-smi -q -x` output with its <gpu> element repeated 100 times
# under distinct bus ids and uuids). Benchmark data only.
import random, re, sys
out, fix = sys.argv[1], sys.argv[2]
random.seed(4)
codes = [(13, "pid=2134, name=python3, Graphics SM Warp Exception on (GPC 1, TPC 3, SM 0): Out Of Range Address"),
         (31, "pid=2134, name=python3, Ch 00000008, intr 00000000. MMU Fault: ENGINE GRAPHICS GPCCLIENT_T1_2 faulted @ 0x7f2a_4c000000"),
         (43, "pid=2134, name=python3, Ch 00000008"),
         (45, "pid=2134, name=python3, Ch 00000008"),
         (48, "pid='<unknown>', name=<unknown>, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6, subpartition 0."),
         (63, "pid='<unknown>', name=<unknown>, Row Remapper: New row (0x0000000000d4a2c1) marked for remapping, reset gpu to activate."),
         (74, "pid=3310, name=torchrun, NVLink: fatal error detected on link 3(0x0, 0x0, 0x10000, 0x0, 0x0, 0x0, 0x0)"),
         (79, "pid=0, name=nvc:[driver], GPU has fallen off the bus."),
         (94, "pid=4411, name=python3, Contained: SM (0x1). RST: No, D-RST: No"),
         (119, "pid=5521, name=nvidia-smi, Timeout after 6s of waiting for RPC response from GPU1 GSP! Expected function 76 (GSP_RM_CONTROL)")]
noise = ["eth0: renamed from veth1a2b3c", "audit: type=1400 audit(1795424400.123:77): apparmor=\"STATUS\"",
         "EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode", "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready"]
with open(out + "/xid-10k.log", "w") as f:
    t = 0
    for i in range(10000):
        for line in (None, random.choice(noise)):
            t += random.randint(1, 900)
            s, ms = divmod(t, 1000)
            h, rem = divmod(s, 3600)
            stamp = "2026-11-%02dT%02d:%02d:%02d,%03d000+00:00" % (1 + h // 24 % 28, h % 24, rem // 60, rem % 60, ms)
            if line is None:
                c, msg = random.choice(codes)
                f.write("%s NVRM: Xid (PCI:0000:%02x:00): %d, %s\n" % (stamp, 0x18 + 0x10 * random.randint(0, 7), c, msg))
            else:
                f.write("%s %s\n" % (stamp, line))
src = open(fix + "/gpu/nvidia-smi-q-busy.xml").read()
head, rest = src.split("\t<gpu id=", 1)
gpu = "\t<gpu id=" + rest[:rest.index("\t</gpu>") + len("\t</gpu>\n")]
tail = rest[rest.index("\t</gpu>") + len("\t</gpu>\n"):]
gpus = []
for i in range(100):
    g = gpu.replace("00000000:00:06.0", "00000000:%02X:00.0" % (i + 1))
    g = g.replace("7858177694e5", "7858177694%02x" % i)
    gpus.append(g)
head = head.replace("<attached_gpus>1</attached_gpus>", "<attached_gpus>100</attached_gpus>")
open(out + "/smi-100gpu.xml", "w").write(head + "".join(gpus) + tail)
