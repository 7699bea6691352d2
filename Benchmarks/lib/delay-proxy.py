#!/usr/bin/env python3
"""A TCP proxy that delays every chunk by half the given round trip in each direction, to
stand in for an environment that is across a network: a database in another region, a
hosted Supabase project. Benchmarks only.

    delay-proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT RTT_MS
"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    """Copies reader to writer, each chunk delivered `delay` after it arrived; a reader task
    and a writer task, so that a long stream is delayed once, not once per chunk."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def read():
        try:
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + delay, data))
        except ConnectionError:
            pass
        queue.put_nowait((loop.time() + delay, b""))

    async def write():
        try:
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    await asyncio.gather(read(), write())


async def main():
    listen, host, port, rtt = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) / 1000
    delay = rtt / 2

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    print(f"delay-proxy: 127.0.0.1:{listen} -> {host}:{port}, round trip {rtt * 1000:.0f} ms", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
