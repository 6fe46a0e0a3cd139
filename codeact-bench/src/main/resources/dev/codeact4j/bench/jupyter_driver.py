"""The Jupyter baseline of codeact4j's benchmarks: a kernel driven the way a Python user drives one.

It starts an IPython kernel (Debian's python3-ipykernel) with jupyter_client's KernelManager, connects a
BlockingKernelClient, optionally runs a setup snippet, and prints one JSON line
    {"ready": true, "kernelPid": <pid>}
Then, for every line read from stdin, it runs the snippet given with --code through
BlockingKernelClient.execute_interactive (which sends execute_request, collects the output on the iopub
channel until the kernel is idle again, and returns the execute_reply) and prints one JSON line
    {"status": "ok", "output": "<everything the snippet printed>", "ns": <time inside this driver>}
where ns is the driver's own measure of that execution, from just before the request is sent to just after
the reply is in, so the caller can tell the kernel's round trip from the pipe hop to this driver.
At the end of stdin it shuts the kernel down and exits.
"""
import argparse
import json
import os
import sys
import time

# ipykernel's bundled debugger warns about frozen modules on every start; the warning is noise here.
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

from jupyter_client.manager import KernelManager  # noqa: E402  (after the environment is set)


def run(client, code):
    """Executes code and returns (reply status, printed output)."""
    printed = []

    def on_output(message):
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = client.execute_interactive(code, output_hook=on_output, timeout=60)
    return reply["content"]["status"], "".join(printed)


def answer(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", required=True, help="the snippet to run for each line of stdin")
    parser.add_argument("--setup", default="", help="a snippet to run once before saying ready")
    parser.add_argument("--kernel", default="python3", help="the kernel spec (default: python3)")
    args = parser.parse_args()

    manager = KernelManager(kernel_name=args.kernel)
    manager.start_kernel()
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        if args.setup:
            status, output = run(client, args.setup)
            if status != "ok":
                raise SystemExit(f"the setup snippet failed: {status} {output}")
        answer(ready=True, kernelPid=getattr(manager.provisioner, "pid", None))
        for _ in sys.stdin:
            started = time.perf_counter_ns()
            status, output = run(client, args.code)
            elapsed = time.perf_counter_ns() - started
            answer(status=status, output=output, ns=elapsed)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        del client  # while logging still works: the client's finaliser logs


if __name__ == "__main__":
    main()
