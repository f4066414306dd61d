"""Old home of the transport interface and its errors, kept so that importers not yet moved
(kiosk/card_worker.py) keep working. New code imports ``drivers.transport`` and ``drivers.errors``.
"""

from drivers.errors import CardError, CardRemovedError, CardUnresponsiveError, ReaderUnavailableError
from drivers.transport import SmartCardConnection

__all__ = ["CardError", "CardRemovedError", "CardUnresponsiveError", "ReaderUnavailableError", "SmartCardConnection"]
