#!/usr/bin/env python3
"""Cadenza kernels against numpy (OpenBLAS) on the training shapes, side by side in one run.

For each shape and thread count it alternates: our bench_gemm binary, then numpy's matmul in
a fresh process (OPENBLAS_NUM_THREADS set; a fresh process so that no BLAS pool keeps
spinning while ours runs). Each side reports the median time of ~1 s of calls; with
--rounds R the pair is repeated R times and the median of the R medians is kept.

Usage (under the project's CPU lock):
  flock /tmp/cadenza-swift.lock python3 bench/compare.py [--rounds 2] [--quick]
Shapes are M×K×N as in PERFORMANCE-FACTS; op: NN = A·B, NT = A·Bᵀ, TN = Aᵀ·B.
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (label, M, K, N, op). Backward of a layer Y[B·T×out] = X[B·T×in]·Wᵀ with W stored (out, in):
# dX = dY·W (NN), dW = dYᵀ·X (TN, K = B·T).
SHAPES = [
    ("512³", 512, 512, 512, "NN"),
    ("2048³", 2048, 2048, 2048, "NN"),
    ("fwd 32768×256×256", 32768, 256, 256, "NN"),
    ("fwd 32768×256×1024", 32768, 256, 1024, "NN"),
    ("fwd 32768×1024×256", 32768, 1024, 256, "NN"),
    ("fwd x·Wᵀ 32768×256×1024", 32768, 256, 1024, "NT"),
    ("fwd x·Wᵀ 32768×1024×256", 32768, 1024, 256, "NT"),
    ("dW 256×32768×256", 256, 32768, 256, "TN"),
    ("dW 1024×32768×256", 1024, 32768, 256, "TN"),
    ("dW 256×32768×1024", 256, 32768, 1024, "TN"),
]

NUMPY_SNIPPET = r"""
import sys, time, numpy as np
M, K, N, op, budget = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
rng = np.random.default_rng(0)
tA, tB = op[0] == "T", op[1] == "T"
a = rng.random((K, M) if tA else (M, K), dtype=np.float32) - 0.5
b = rng.random((N, K) if tB else (K, N), dtype=np.float32) - 0.5
A = a.T if tA else a            # transposed views: numpy passes the transpose flag to sgemm
B = b.T if tB else b
if M == 1:                      # a vector: numpy calls sgemv
    A = A[0]
    c = np.empty(N, np.float32)
else:
    c = np.empty((M, N), np.float32)
for _ in range(2):
    np.matmul(A, B, out=c)
ts = []
start = time.perf_counter()
while len(ts) < 5 or (time.perf_counter() - start < budget and len(ts) < 1000):
    t = time.perf_counter()
    np.matmul(A, B, out=c)
    ts.append(time.perf_counter() - t)
ts.sort()
med = ts[len(ts) // 2]
print(2.0 * M * N * K / med * 1e-9, med * 1e6)
"""


def ours(binary, kind, M, K, N, op, threads, budget):
    out = subprocess.run(
        [binary, kind, str(M), str(N), str(K), str(int(op[0] == "T")), str(int(op[1] == "T")),
         str(threads), str(budget)], check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), out[2]


def numpy_side(M, K, N, op, threads, budget):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow a current numpy (env README): unset here only.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    out = subprocess.run([sys.executable, "-c", NUMPY_SNIPPET, str(M), str(K), str(N), op, str(budget)],
                         check=True, capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), float(out[1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=os.path.join("/tmp", "ckernels-bench", "bench_gemm"))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--budget", type=float, default=1.0, help="seconds per measurement")
    p.add_argument("--quick", action="store_true", help="first 3 shapes only")
    p.add_argument("--threads", default="1,2")
    args = p.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",")]
    shapes = SHAPES[:3] if args.quick else SHAPES

    rows = []
    for label, M, K, N, op in shapes:
        for t in thread_counts:
            f32, npy, b16 = [], [], []
            path = bpath = ""
            for _ in range(args.rounds):
                g, _, path = ours(args.binary, "sgemm", M, K, N, op, t, args.budget)
                f32.append(g)
                npy.append(numpy_side(M, K, N, op, t, args.budget)[0])
                g, _, bpath = ours(args.binary, "bf16", M, K, N, op, t, args.budget)
                b16.append(g)
            r = (label, op, t, statistics.median(f32), statistics.median(npy), statistics.median(b16), path, bpath)
            rows.append(r)
            print(f"{label:26} {op} {t}T  ours {r[3]:6.1f}  numpy {r[4]:6.1f}  ratio {r[3] / r[4]:5.2f}  "
                  f"bf16 {r[5]:6.1f} ({bpath}) ratio {r[5] / r[4]:5.2f}", flush=True)

    # Batch-1 GEMV (one generated token): x[1×512] · Wᵀ, W stored (2048, 512); and int8.
    gemv = []
    for t in thread_counts:
        us, npu, q8 = [], [], []
        for _ in range(args.rounds):
            us.append(ours(args.binary, "sgemm", 1, 512, 2048, "NT", t, args.budget)[1])
            npu.append(numpy_side(1, 512, 2048, "NT", t, args.budget)[1])
            q8.append(ours(args.binary, "q8gemv", 2048, 512, 1, "NN", t, args.budget)[1])
        gemv.append((t, statistics.median(us), statistics.median(npu), statistics.median(q8)))

    print()
    print("| shape M×K×N | op | threads | ours fp32 GFLOP/s | numpy GFLOP/s | ours/numpy | ours bf16 GFLOP/s | bf16/numpy |")
    print("|---|---|---|---|---|---|---|---|")
    for label, op, t, a, b, c, path, bpath in rows:
        print(f"| {label} | {op} | {t} | {a:.1f} | {b:.1f} | {a / b:.2f} | {c:.1f} ({bpath}) | {c / b:.2f} |")
    print()
    print("| GEMV 1×512×2048 (x·Wᵀ) | threads | ours fp32 µs | numpy µs | numpy/ours | ours int8 µs |")
    print("|---|---|---|---|---|---|")
    for t, a, b, q in gemv:
        print(f"| | {t} | {a:.1f} | {b:.1f} | {b / a:.2f} | {q:.1f} |")
    print(f"\npath: {rows[0][6] if rows else '?'}; medians of {args.rounds} rounds × ~{args.budget:.0f} s")


if __name__ == "__main__":
    main()
