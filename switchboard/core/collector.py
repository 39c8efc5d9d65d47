"""The garbage collector and real-time work.

A full collection walks every tracked object. After start-up that is hundreds of thousands of
objects that live as long as the process (modules, ORM mappers, validation schemas), and under
load a full collection held the event loop for up to a second: RTP went out late and timers fired
late (measured with ``bench/sip_calls.py``). Freezing the heap once start-up is done leaves the
collector only the objects of live calls and requests to walk. Young objects are also collected
less often than by default: with the default thresholds the server spent ~15 % of its CPU in the
cycle collector under SMS load (docs/benchmarks.md, SMPP section).
"""

import gc

_frozen = False


def freeze_startup_heap() -> None:
    """Collect, then move every object alive now out of the collector's reach. Once per process:
    the long-lived part is shared by every server a test process starts, and freezing again would
    pin the garbage of servers that have stopped."""
    global _frozen
    if _frozen:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    _frozen = True
