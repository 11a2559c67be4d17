"""An SMTP receiver for the load benchmark (BENCH_OUTBOX=1): accepts every
mail and prints how many when stopped."""

import asyncio
import signal
import sys

received = 0


async def session(reader, writer):
    global received
    writer.write(b"220 sink ESMTP\r\n")
    in_data = False
    while True:
        line = await reader.readline()
        if not line:
            break
        if in_data:
            if line in (b".\r\n", b".\n"):
                in_data = False
                received += 1
                writer.write(b"250 queued\r\n")
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
