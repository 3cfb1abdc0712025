"""Operating-system file locks on an open descriptor, through portalocker (one module per library).

``fcntl.flock`` exists only on POSIX: importing it at the top of a module stopped the tool from
even starting on Windows. portalocker takes ``flock`` on POSIX (so the semantics the state lock
relies on hold: a lock belongs to one open file, conflicts with another open file of the same
inode even in the same process, and the kernel drops it when the holder dies) and
``msvcrt.locking`` on Windows, where a dead process's locks are released as well. It is
imported where a lock is taken, so importing the CLI touches no platform-specific module.
"""

from __future__ import annotations


def try_lock(fd: int) -> bool:
    """Take an exclusive lock on the open descriptor ``fd`` without waiting.

    Returns:
        True when taken, False when another open file holds it.

    Raises:
        portalocker.exceptions.LockException: the system refused for another reason.
    """
    import portalocker

    try:
        portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING)
    except portalocker.exceptions.AlreadyLocked:
        return False
    return True


def wait_lock(fd: int) -> None:
    """Take an exclusive lock on the open descriptor ``fd``, waiting for its holder.

    Raises:
        portalocker.exceptions.LockException: the system refused.
    """
    import portalocker

    portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE)
