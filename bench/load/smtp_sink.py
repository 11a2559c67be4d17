"""An SMTP receiver for the load benchmark (BENCH_OUTBOX=1) and the browser
tests: accepts every mail and prints how many when stopped; given a
directory as its second argument, also writes each mail there as
<n>.eml (the message as sent, dot-stuffing undone).

    python3 smtp_sink.py PORT [DIR]"""

import asyncio
import os
import signal
import sys

received = 0
maildir = sys.argv[2] if len(sys.argv) > 2 else None


async def session(reader, writer):
    global received
    writer.write(b"220 sink ESMTP\r\n")
    in_data = False
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            break
        if in_data:
            if line in (b".\r\n", b".\n"):
                in_data = False
                received += 1
                if maildir:
                    tmp = os.path.join(maildir, f".{received}.tmp")
                    with open(tmp, "wb") as f:
                        f.write(b"".join(lines))
                    os.rename(tmp, os.path.join(maildir, f"{received}.eml"))
                lines = []
                writer.write(b"250 queued\r\n")
            else:
                lines.append(line[1:] if line.startswith(b"..") else line)
            continue
        cmd = line.strip().upper()
        if cmd == b"DATA":
            in_data = True
            writer.write(b"354 go on\r\n")
        elif cmd == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 OK\r\n")
        await writer.drain()
    writer.close()


async def main(port):
    server = await asyncio.start_server(session, "127.0.0.1", port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()
    print(received, flush=True)


asyncio.run(main(int(sys.argv[1])))
