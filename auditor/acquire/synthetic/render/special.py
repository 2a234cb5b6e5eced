"""The master keys of the synthetic device: ``dumpsys accessibility``, ``notification`` (its listener part),
``device_policy`` and ``role``, as their services' dump code prints them."""

from __future__ import annotations

from auditor.acquire.synthetic import catalog as cat
from auditor.acquire.synthetic.render.device import text
from auditor.acquire.synthetic.world import USERS, World

# --------------------------------------------------------------------------------------------------
# dumpsys accessibility / notification / device_policy / role
# --------------------------------------------------------------------------------------------------


def dumpsys_accessibility(world: World) -> str:
    """``dumpsys accessibility`` (Android 14+): one ``User state[`` block per user."""
    lines = [
        "ACCESSIBILITY MANAGER (dumpsys accessibility)",
        "",
        "currentUserId=0",
        "hasWindowMagnificationConnection=false",
        "Magnifier on display#0",
        "    MagnificationConfig[mode: 1, activated: false, scale: 1.0, centerX: 540.0, centerY: 1200.0] ",
        "    Magnification region=SkRegion((0,0,1080,2400))",
        "    IdOfLastServiceToMagnify=-1",
        "    SupportWindowMagnification=true",
        "    WindowMagnificationConnectionState=DISCONNECTED",
    ]
    for user in USERS:
        services = [s for app in world.apps for s in app.users[user].accessibility if app.users[user].installed]
        bound = ", \n                     ".join(
            f"Service[label={label}, feedbackType[FEEDBACK_GENERIC], capabilities=1, eventTypes=TYPES_ALL_MASK,"
            " notificationTimeout=100, requestA11yBtn=false]"
            for _, label in services
        )
        enabled = ", ".join(f"{{{component}}}" for component, _ in services)
        clients = "".join(f"[{component.split('/')[0]}]" for component, _ in services) or "[com.android.systemui]"
        lines += [
            "User state[",
            f"     attributes:{{id={user}, touchExplorationEnabled=false, serviceHandlesDoubleTap=false,"
            " requestMultiFingerGestures=false, requestTwoFingerPassthrough=false, sendMotionEventsEnabledfalse,"
            " displayMagnificationEnabled=false, autoclickEnabled=false, nonInteractiveUiTimeout=0,"
            f" interactiveUiTimeout=0, installedServiceCount={len(services) + 1}, magnificationModes={{0=1}},"
            " magnificationCapabilities=3, audioDescriptionByDefaultEnabled=false,"
            " magnificationFollowTypingEnabled=false, alwaysOnMagnificationEnabled=false}",
            "     shortcut key:{}",
            "     button:{}",
            "     button target:{null}",
            f"     Bound services:{{{bound}}}",
            f"     Enabled services:{{{enabled}}}",
            "     Binding services:{}",
            "     Crashed services:{}",
            "     Client list info:{",
            "          Client list callbacks: 4",
            "          Client list killed: false",
            "          Client list broadcasts count: -1",
            "          Registered clients:{",
            f"{clients}}}]",
        ]
    lines += [
        "Global Info [ Top focused display Id = 0",
        "     Active Window Id = 41",
        "     Top Focused Window Id = 41",
        "     Accessibility Focused Window Id = -1 ]",
        "",
        "A11yInputFilter Info : ",
        "Enabled features of Display [0] = [KeyboardInterceptor]",
        "",
        "Proxy manager state:",
        "    Number of proxy connections: 0",
        "    Registered proxy connections:",
        "Accessibility Display Listener:",
        f"    SystemUI uid: {cat.SHARED_USER_APP_IDS['android.uid.systemui']}",
        "    1 valid display: 0",
    ]
    return text(lines)


def dumpsys_notification(world: World) -> str:
    """Only what the plan's ``sed`` keeps: the listener and assistant parts of ``dumpsys notification``."""
    per_user = {
        user: [c for app in world.apps if app.users[user].installed for c in app.users[user].listeners]
        for user in USERS
    }
    lines = ["  Notification listeners:", "    Allowed notification listeners:"]
    # ManagedServices prints each user's approved set joined by ":", even when it is empty.
    lines += [f"      {':'.join(per_user[user])} (user: {user} isPrimary: true)" for user in USERS]
    lines.append("    Has user set:")
    lines += [f"      userId={user} value={{{', '.join(per_user[user])}}}" for user in USERS if per_user[user]]
    enabled = [c for user in USERS for c in per_user[user]]
    lines.append(f"(user 0):   All notification listeners ({len(enabled)}) enabled for current profiles:")
    lines += [f"      ComponentInfo{{{c}}}" for c in enabled]
    live = [
        "      ComponentInfo{android/com.android.server.notification.NotificationListenerService$Wrapper}"
        " (user -1): android.service.notification.NotificationListenerService$NotificationListenerWrapper@3f7260e"
        " SYSTEM",
    ]
    for i, (user, component) in enumerate((u, c) for u in USERS for c in per_user[u]):
        live.append(
            f"      ComponentInfo{{{component}}} (user {user}):"
            f" android.service.notification.INotificationListener$Stub$Proxy@{0x51A0C3 + 7919 * i:x}"
        )
    lines.append(f"    Live notification listeners ({len(live)}):")
    lines += live
    lines += [
        "    Snoozed notification listeners (0):",
        "  Notification assistant services:",
        "    Allowed notification assistants:",
    ]
    lines += [f"      {c} (user: {user} isPrimary: true isUserChanged: false)" for user, c in world.assistants]
    lines.append("    Has user set:")
    return text(lines)


def _short_component(component: str) -> str:
    """``ComponentName.flattenToShortString``: ``pkg/.Cls`` when the class is inside the package."""
    package, cls = component.split("/", 1)
    if cls.startswith(package + "."):
        return f"{package}/{cls[len(package) :]}"
    return component


def dumpsys_device_policy(world: World) -> str:
    """``dumpsys device_policy``: profile owner, then ``Enabled Device Admins`` per user."""
    lines = [
        "Current Device Policy Manager state:",
        "  Immutable state:",
        "    mHasFeature=true",
        "    mIsWatch=false",
        "    mIsAutomotive=false",
        "    mHasTelephonyFeature=true",
        "    mSafetyChecker=null",
    ]
    for app in world.apps:
        for user in USERS:
            state = app.users[user]
            if state.installed and state.profile_owner and state.admin:
                lines += [
                    f"  Profile Owner (User {user}): ",
                    f"    admin=ComponentInfo{{{state.admin[0]}}}",
                    "    name=",
                    f"    package={app.package}",
                    "    isOrganizationOwnedDevice=false",
                ]
    for user in USERS:
        lines += ["", f"  Enabled Device Admins (User {user}, provisioningState: 3):"]
        for app in world.apps:
            state = app.users[user]
            if not (state.installed and state.admin):
                continue
            component, policies = state.admin
            lines += [
                f"    {_short_component(component)}:",
                f"      uid={world.uid(app, user)}",
                "      testOnlyAdmin=false",
                "      policies:",
                *(f"        {p}" for p in policies),
                "      passwordQuality=0x0",
                "      minimumPasswordLength=0",
                "      passwordHistoryLength=0",
                "      maximumTimeToUnlock=0",
                "      maximumFailedPasswordsForWipe=0",
                "      disableCamera=false",
            ]
        lines += [
            "",
            "    mPasswordOwner=-1",
            "    mPasswordTokenHandle=0",
            "    mAppsSuspended=false",
            "    mUserSetupComplete=true",
            "    mAffiliationIds=[]",
            "    mNewUserDisclaimer=not_needed",
        ]
    return text(lines)


ROLES = (
    "android.app.role.ASSISTANT",
    "android.app.role.BROWSER",
    "android.app.role.CALL_REDIRECTION",
    "android.app.role.CALL_SCREENING",
    "android.app.role.COMPANION_DEVICE_WATCH",
    "android.app.role.DIALER",
    "android.app.role.EMERGENCY",
    "android.app.role.HOME",
    "android.app.role.NOTES",
    "android.app.role.SMS",
    "android.app.role.SYSTEM_GALLERY",
)


def role_holders(world: World, user: int) -> dict[str, list[str]]:
    """Every role of ``ROLES`` with its holders for ``user`` (empty list: no holder)."""
    holders: dict[str, list[str]] = {role: [] for role in ROLES}
    for app in world.apps:
        state = app.users[user]
        if state.installed:
            for role in state.roles:
                holders[role].append(app.package)
    return holders


def dumpsys_role(world: World) -> str:
    """``dumpsys role``: RoleService's DualDumpOutputStream text (repeated fields become ``name=[``)."""
    lines = ["ROLE STATE (dumpsys role):", "{", "  user_states=["]
    for user in USERS:
        lines += [
            "    {",
            f"      user_id={user}",
            "      version=2",
            f"      packages_hash={world.android_id[user].upper()}{world.android_id[user][:8].upper()}",
            "      roles=[",
        ]
        for role, holders in role_holders(world, user).items():
            lines += ["        {", f"          name={role}", "          fallback_enabled=true"]
            if len(holders) == 1:
                lines.append(f"          holders={holders[0]}")
            elif holders:
                lines += ["          holders=[", *(f"            {h}" for h in holders), "          ]"]
            lines.append("        }")
        lines += ["      ]", "    }"]
    lines += ["  ]", "}"]
    return text(lines)
