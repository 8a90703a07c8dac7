"""The IPMI power driver: IPMI 2.0 over LAN (RMCP+) to the server's BMC through pyghmi, the client
OpenStack's Ironic drives BMCs with. A power cycle is done as two steps the driver sees through:
power off (skipped when already off), wait until the BMC reports off, power on, wait until it
reports on; so the timeline says what the power really did. The session is closed afterwards."""
from __future__ import annotations

import time

from pyghmi import exceptions
from pyghmi.ipmi import command as ipmi_command
from pyghmi.ipmi.private import session as ipmi_session

from workers.drivers.power.result import PowerResult


class IpmiPower:
    name = "ipmi"

    def __init__(self, host: str, port: int, user: str, password: str):
        self.host, self.port, self.user, self.password = host, port, user, password

    @property
    def where(self) -> str:
        return f"BMC {self.host}:{self.port}"

    def _session(self):
        return ipmi_command.Command(bmc=self.host, userid=self.user, password=self.password, port=self.port)

    def _why(self, exc: Exception) -> str:
        said = str(exc)
        if not said or said == "None":  # pyghmi's word for "no answer"
            return f"the {self.where} did not answer (IPMI over LAN)"
        return f"{self.where}: {said}"

    def _forget(self) -> None:
        """pyghmi 1.6.19 files a session being opened under its text credentials but removes it
        under their encoded bytes, so the entry stays and the next session to the same BMC would
        get the closed one back; take it out ourselves."""
        ipmi_session.Session.initting_sessions.pop((self.host, self.user, self.password, self.port, None), None)

    def _run(self, work) -> PowerResult:
        try:
            ipmi = self._session()
        except (exceptions.IpmiException, OSError) as exc:
            self._forget()
            return PowerResult(False, self._why(exc))
        try:
            return work(ipmi)
        except (exceptions.IpmiException, OSError) as exc:
            return PowerResult(False, self._why(exc))
        finally:
            try:
                ipmi.ipmi_session.logout()
            except Exception:  # noqa: BLE001 - the BMC may be gone by now; the result stands
                pass
            self._forget()

    def power_cycle(self, timeout: float) -> PowerResult:
        deadline = time.monotonic() + timeout

        def wait_for(ipmi, state: str) -> None:
            seconds = max(1, int(deadline - time.monotonic()))
            ipmi.set_power(state, wait=seconds)  # raises when the BMC does not report it in time

        def cycle(ipmi) -> PowerResult:
            before = ipmi.get_power()["powerstate"]
            steps = [f"power was {before}"]
            if before != "off":
                wait_for(ipmi, "off")
                steps.append("off")
            wait_for(ipmi, "on")
            steps.append("on")
            return PowerResult(True, f"{self.where}: " + " → ".join(steps), "on")

        return self._run(cycle)

    def power_status(self, timeout: float) -> PowerResult:
        def status(ipmi) -> PowerResult:
            state = ipmi.get_power()["powerstate"]
            return PowerResult(True, f"{self.where}: power is {state}", state)

        return self._run(status)
