"""What `make run` printed (the demo accounts and addresses)."""
import re

from deploy.local import banner, seed_demo


def printed(system):
    """What `make run` prints, parsed the way a newcomer reads it."""
    text = banner(system.url, seed_demo(system.env), system.env)
    portal = re.search(r"企业门户\s+(\S+)", text).group(1)
    console = re.search(r"审核控制台\s+(\S+)", text).group(1)
    sms = re.search(r"短信（开发模式不真正发送）：(\S+)", text).group(1)
    staff = {
        role: (username, password)
        for role, username, password in re.findall(r"^\s+(\S+)\s+(demo_\w+) / (\S+)", text, re.M)
    }
    return {"portal": portal, "console": console, "sms": sms, "staff": staff}
