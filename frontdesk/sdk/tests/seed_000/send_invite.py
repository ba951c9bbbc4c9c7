from canvas_sdk.effects import Effect
from canvas_sdk.effects.send_invite import SendInviteEffect
from canvas_sdk.events import EventType
from canvas_sdk.handlers import BaseHandler
from canvas_sdk.v1.data import PatientContactPoint


class ContactPoint(BaseHandler):
    RESPONDS_TO = [EventType.Name(EventType.PATIENT_CONTACT_POINT_UPDATED)]

    def compute(self) -> list[Effect]:
        contact_point = PatientContactPoint.objects.get(id=self.target)
        patient = contact_point.patient
        return [
            SendInviteEffect(user_dbid=patient.user.dbid).apply(),
        ]
