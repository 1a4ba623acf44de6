"""The one cache of computed results shared by every Streamlit session of a process.

Sessions run in threads; a plain module-level dict used by several of them can lose entries or
grow past its bound. `Memo` keeps at most `size` results (oldest out first) under a lock; the
computation itself runs outside the lock, so a slow result never blocks readers of others.

>>> m = Memo(2)
>>> m.get("a", lambda: 1), m.get("a", lambda: 99), m.get("b", lambda: 2), m.get("c", lambda: 3)
(1, 1, 2, 3)
>>> sorted(m.keys())
['b', 'c']
"""

import threading
from collections import OrderedDict


class Memo:
    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        """The result for `key`, computing and keeping it when absent."""
        with self._lock:
            if key in self._data:
                return self._data[key]
        value = compute()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def keys(self) -> list:
        with self._lock:
            return list(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
