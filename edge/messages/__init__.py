"""The messages the core accepts and the effects it asks the adapters to carry out."""

from __future__ import annotations

from edge.messages.common import DEVICE_ERROR_CODES, DeviceMessage, Origin
from edge.messages.device import (
    DeadLetter,
    LightAck,
    LightButton,
    LiveWeight,
    LoginRequested,
    LogoutRequested,
    NextRequested,
    PinEntered,
    PresenceChanged,
    QuantityConfirmed,
    ScanRead,
    SkipRequested,
    WeightMeasured,
)
from edge.messages.effects import (
    DeviceError,
    Effect,
    FeedAppended,
    LightOff,
    LightOn,
    PlanTrip,
    ScannerView,
    StateChanged,
    StationWeight,
)
from edge.messages.exceptions import (
    ACK_KINDS,
    LIGHT_MAX_RESENDS,
    LIGHT_RESEND_AFTER_S,
    AckKind,
    AcknowledgeException,
    ResendLight,
    ResendLights,
)
from edge.messages.http import (
    AckFeed,
    AdjustStock,
    CancelOrder,
    CheckLogin,
    IntakeOrder,
    LoadWarehouse,
    OrderLineIn,
    OverrideHold,
    ParcelHandover,
    ResumePlanning,
    ShipOrder,
    TripCandidate,
    TripPlanned,
)
from edge.messages.labels import LabelPrinted, PrintLabel, PrintResult, ReprintLabel
from edge.messages.returns import GRADES, IntakeReturn, ReturnLineIn
from edge.messages.stock import (
    WORK_MODES,
    CloseRequested,
    DecideCount,
    DeliveryLineIn,
    IntakeDelivery,
    ModeRequested,
    ScheduleCount,
    WorkMode,
)
from edge.messages.supervision import (
    FloorRole,
    MoveStaff,
    RaisePriority,
    ReassignTrip,
    ReleaseHolds,
    ReleaseTrip,
)

Inbound = (
    ScanRead
    | QuantityConfirmed
    | NextRequested
    | SkipRequested
    | LogoutRequested
    | PinEntered
    | LoginRequested
    | CheckLogin
    | LightButton
    | LightAck
    | WeightMeasured
    | PresenceChanged
    | DeadLetter
    | IntakeOrder
    | OverrideHold
    | CancelOrder
    | ShipOrder
    | AdjustStock
    | LoadWarehouse
    | AckFeed
    | TripPlanned
    | ResumePlanning
    | ModeRequested
    | CloseRequested
    | IntakeDelivery
    | ScheduleCount
    | DecideCount
    | ReleaseTrip
    | ReassignTrip
    | RaisePriority
    | ReleaseHolds
    | MoveStaff
    | AcknowledgeException
    | ResendLights
    | ResendLight
    | IntakeReturn
    | LabelPrinted
    | ReprintLabel
)

__all__ = [
    "ACK_KINDS",
    "DEVICE_ERROR_CODES",
    "GRADES",
    "LIGHT_MAX_RESENDS",
    "LIGHT_RESEND_AFTER_S",
    "WORK_MODES",
    "AckFeed",
    "AckKind",
    "AcknowledgeException",
    "AdjustStock",
    "CancelOrder",
    "CheckLogin",
    "CloseRequested",
    "DeadLetter",
    "DecideCount",
    "DeliveryLineIn",
    "DeviceError",
    "DeviceMessage",
    "Effect",
    "FeedAppended",
    "FloorRole",
    "Inbound",
    "IntakeDelivery",
    "IntakeOrder",
    "IntakeReturn",
    "LabelPrinted",
    "LightAck",
    "LightButton",
    "LightOff",
    "LightOn",
    "LiveWeight",
    "LoadWarehouse",
    "LoginRequested",
    "LogoutRequested",
    "ModeRequested",
    "MoveStaff",
    "NextRequested",
    "OrderLineIn",
    "Origin",
    "OverrideHold",
    "ParcelHandover",
    "PinEntered",
    "PlanTrip",
    "PresenceChanged",
    "PrintLabel",
    "PrintResult",
    "QuantityConfirmed",
    "RaisePriority",
    "ReassignTrip",
    "ReleaseHolds",
    "ReleaseTrip",
    "ReprintLabel",
    "ResendLight",
    "ResendLights",
    "ResumePlanning",
    "ReturnLineIn",
    "ScanRead",
    "ScannerView",
    "ScheduleCount",
    "ShipOrder",
    "SkipRequested",
    "StateChanged",
    "StationWeight",
    "TripCandidate",
    "TripPlanned",
    "WeightMeasured",
    "WorkMode",
]
