"""The labelled calibration set: named app profiles and the order their scores must keep.

Each profile is what the analysis would report for a kind of app people really have. The order is
written by reasoning about harm, not read off the scores: if a weight change breaks one of these
pairs, the weights are wrong (or the pair is, and then it is changed here with a reason).
"""

from __future__ import annotations

from auditor.model import AppReport, EffectiveAccess, InstallSource
from auditor.model import SpecialAccessKind as K
from tests.score.builders import allowed, apk, app, denied, in_use, perm, role, special, tracker

ADMOB = tracker("Google AdMob", "Advertisement")
FACEBOOK = tracker("Facebook Ads", "Advertisement", "Profiling")
UNITY = tracker("Unity3d Ads", "Advertisement")
APPSFLYER = tracker("AppsFlyer", "Analytics", "Profiling")
ADJUST = tracker("Adjust", "Analytics", "Identification")
FOURSQUARE = tracker("Foursquare Pilgrim", "Location", "Profiling")
FIREBASE = tracker("Google Firebase Analytics", "Analytics")
CRASHLYTICS = tracker("Google Crashlytics", "Crash reporting")

MESSENGER_BASE = (
    *allowed("READ_CONTACTS", "READ_PHONE_STATE"),
    *in_use("CAMERA", used="fg"),
    *allowed("READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO"),
)
NOTES_PERMS = (*in_use("RECORD_AUDIO", "CAMERA", used="fg"), *allowed("READ_MEDIA_IMAGES"))


def _profiles() -> dict[str, AppReport]:
    p: dict[str, AppReport] = {}
    # --- the mandatory examples -----------------------------------------------------------
    p["flashlight_contacts_location"] = app(
        "com.example.flashlight",
        allowed("READ_CONTACTS"),
        in_use("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", used="fg"),
        apk_facts=apk("com.example.flashlight", trackers=(ADMOB,)),
    )
    p["maps_location"] = app(
        "com.example.maps",
        in_use("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", used="fg"),
    )
    p["messenger_mic_background"] = app(
        "com.example.messenger.bg", MESSENGER_BASE, in_use("RECORD_AUDIO", used="bg"), boot=True
    )
    p["messenger_mic_foreground"] = app(
        "com.example.messenger.fg", MESSENGER_BASE, in_use("RECORD_AUDIO", used="fg"), boot=True
    )
    p["sideloaded_spy"] = app(
        "com.example.spy",
        allowed("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION"),
        specials=(
            special(
                K.ACCESSIBILITY, "com.example.spy/com.example.spy.Svc", "settings secure enabled_accessibility_services"
            ),
            special(K.NOTIFICATION_LISTENER, "com.example.spy/com.example.spy.Nls"),
        ),
        source=InstallSource.SIDELOADED,
        boot=True,
    )
    p["system_dialer"] = app(
        "com.android.dialer",
        allowed(
            "READ_CALL_LOG",
            "WRITE_CALL_LOG",
            "READ_CONTACTS",
            "CALL_PHONE",
            "READ_PHONE_STATE",
            flags=("GRANTED_BY_ROLE",),
        ),
        specials=(role("DIALER"),),
        system=True,
    )
    # --- more kinds of apps -----------------------------------------------------------------------
    p["camera_app_foreground"] = app(
        "com.example.camera",
        in_use("CAMERA", "RECORD_AUDIO", used="fg"),
        in_use("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"),
        allowed("ACCESS_MEDIA_LOCATION", "READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO"),
    )
    p["covert_recorder"] = app(
        "com.example.recorder",
        allowed("RECORD_AUDIO", "CAMERA", used="bg"),
        allowed("READ_PHONE_STATE"),
        boot=True,
    )
    p["sms_app_with_role"] = app(
        "com.example.sms",
        allowed("READ_SMS", "RECEIVE_SMS", "SEND_SMS", "RECEIVE_MMS", flags=("GRANTED_BY_ROLE",)),
        allowed("READ_CONTACTS", "READ_PHONE_STATE", flags=("GRANTED_BY_ROLE",)),
        specials=(role("SMS"),),
    )
    p["sms_reader_without_role"] = app("com.example.smsbackup", allowed("READ_SMS", "RECEIVE_SMS"))
    p["health_app"] = app(
        "com.example.health",
        allowed("BODY_SENSORS", "ACTIVITY_RECOGNITION"),
        allowed("android.permission.health.READ_HEART_RATE", "android.permission.health.READ_SLEEP"),
    )
    p["keyboard"] = app(
        "com.example.keyboard",
        specials=(
            special(K.INPUT_METHOD, "com.example.keyboard/.Ime"),
            special(K.DEFAULT_INPUT_METHOD, "com.example.keyboard/.Ime"),
        ),
    )
    p["vpn_app"] = app("com.example.vpn", specials=(special(K.VPN, "ACTIVATE_VPN"),))
    p["launcher"] = app(
        "com.example.launcher",
        allowed("QUERY_ALL_PACKAGES"),
        specials=(special(K.QUERY_ALL_PACKAGES), role("HOME")),
    )
    p["mdm_device_owner"] = app(
        "com.example.mdm",
        allowed("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION", "READ_PHONE_STATE"),
        specials=(
            special(K.DEVICE_OWNER, "com.example.mdm/.Admin"),
            special(K.DEVICE_ADMIN, "com.example.mdm/.Admin"),
            role("DEVICE_POLICY_MANAGEMENT"),
        ),
        boot=True,
    )
    p["notes_offline"] = app("com.example.notes.offline", NOTES_PERMS, internet=False)
    p["notes_online"] = app("com.example.notes.online", NOTES_PERMS)
    p["legacy_target22"] = app(
        "com.example.legacy",
        allowed("READ_CONTACTS", "ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "READ_PHONE_STATE"),
        allowed("READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE"),
        target_sdk=22,
    )
    p["modern_same_as_legacy"] = app(
        "com.example.modern",
        allowed("READ_CONTACTS", "READ_PHONE_STATE", "READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE"),
        in_use("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"),
    )
    p["debuggable_app"] = app("com.example.debug", in_use("CAMERA"), debuggable=True)
    p["release_app"] = app("com.example.release", in_use("CAMERA"))
    p["tracker_heavy_game"] = app(
        "com.example.game",
        apk_facts=apk(
            "com.example.game",
            trackers=(ADMOB, FACEBOOK, UNITY, APPSFLYER, ADJUST, FOURSQUARE, FIREBASE, CRASHLYTICS),
        ),
    )
    p["clean_game"] = app("com.example.cleangame", apk_facts=apk("com.example.cleangame"))
    p["calculator"] = app("com.example.calculator", internet=False)
    p["weather_approximate_bg"] = app(
        "com.example.weather.coarse",
        allowed("ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION"),
        denied("ACCESS_FINE_LOCATION"),
    )
    p["weather_precise_bg"] = app(
        "com.example.weather.fine",
        allowed("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION"),
    )
    p["photo_picker_partial"] = app(
        "com.example.picker",
        allowed("READ_MEDIA_VISUAL_USER_SELECTED"),
        denied("READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO"),
    )
    p["gallery_full"] = app("com.example.gallery", allowed("READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO"))
    p["banking_trojan"] = app(
        "com.example.trojan",
        allowed("RECEIVE_SMS", "READ_SMS"),
        specials=(
            special(K.ACCESSIBILITY, "com.example.trojan/.A11y"),
            special(K.OVERLAY, "SYSTEM_ALERT_WINDOW"),
        ),
        source=InstallSource.SIDELOADED,
    )
    p["all_denied_user_fixed"] = app(
        "com.example.denied",
        denied("ACCESS_FINE_LOCATION", "READ_CONTACTS", "CAMERA", flags=("USER_SET", "USER_FIXED")),
    )
    p["one_time_location"] = app(
        "com.example.onetime", in_use("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", flags=("ONE_TIME",))
    )
    p["auto_revoked_app"] = app(
        "com.example.dormant",
        perm("READ_CONTACTS", EffectiveAccess.DENIED, flags=("AUTO_REVOKED",)),
        perm("ACCESS_FINE_LOCATION", EffectiveAccess.DENIED, flags=("AUTO_REVOKED",)),
    )
    p["dormant_app_still_granted"] = app(
        "com.example.dormant2", allowed("READ_CONTACTS"), in_use("ACCESS_FINE_LOCATION")
    )
    p["social_harvester"] = app("com.example.harvest", allowed("READ_CONTACTS", "READ_CALL_LOG", "READ_SMS"), boot=True)
    p["fitness_tracker"] = app(
        "com.example.fitness",
        allowed("ACTIVITY_RECOGNITION", "BODY_SENSORS"),
        allowed("ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION", used="bg"),
        boot=True,
    )
    p["sideloaded_calculator"] = app("com.example.sidecalc", source=InstallSource.SIDELOADED, internet=False)
    return p


PROFILES: dict[str, AppReport] = _profiles()

TOP = "sideloaded_spy"
"""Scores at least as high as every profile, and strictly higher than all but the covert-surveillance ones."""

BOTTOM = ("calculator", "all_denied_user_fixed", "auto_revoked_app")
"""Score 0: nothing granted."""

ORDER: tuple[tuple[str, str, str], ...] = (
    # (lower, higher, why)
    ("maps_location", "flashlight_contacts_location", "same location reach, plus contacts and an ad SDK"),
    ("messenger_mic_foreground", "messenger_mic_background", "the microphone used in the background"),
    ("camera_app_foreground", "covert_recorder", "camera and microphone used in the background, at boot"),
    ("notes_offline", "notes_online", "the same reach, but the data can leave"),
    ("modern_same_as_legacy", "legacy_target22", "everything granted at install, location all the time"),
    ("release_app", "debuggable_app", "a debuggable build"),
    ("clean_game", "tracker_heavy_game", "eight tracker SDKs"),
    ("weather_approximate_bg", "weather_precise_bg", "precise rather than approximate location"),
    ("photo_picker_partial", "gallery_full", "all photos rather than the selected ones"),
    ("auto_revoked_app", "dormant_app_still_granted", "auto-revoke removed the reach"),
    ("calculator", "sideloaded_calculator", "a sideloaded install"),
    ("launcher", "vpn_app", "all traffic rather than the list of apps"),
    ("sms_reader_without_role", "social_harvester", "SMS plus contacts and call log: the social graph"),
    ("one_time_location", "maps_location", "a recorded use rather than a one-time grant"),
    ("gallery_full", "keyboard", "everything typed rather than the photos"),
    ("health_app", "fitness_tracker", "health plus background location used"),
    ("vpn_app", "banking_trojan", "screen control, overlays and SMS codes"),
    ("keyboard", "banking_trojan", "a keyboard reads input; the trojan also acts and reads codes"),
    ("mdm_device_owner", "sideloaded_spy", "a managed phone's owner app is not hidden stalkerware"),
    ("covert_recorder", "sideloaded_spy", "stalkerware reaches more than a recorder"),
    ("banking_trojan", "sideloaded_spy", "the spy also tracks location"),
    ("social_harvester", "sideloaded_spy", "master keys beat permissions"),
    ("calculator", "clean_game", "a clean app with INTERNET only is still nothing"),
    ("sms_app_with_role", "social_harvester", "the call log too, and the three combined: the whole social graph"),
    ("system_dialer", "messenger_mic_foreground", "call log by role < contacts, camera, microphone and photos"),
)
"""Pairs whose order the scores must keep; ``clean_game`` vs ``calculator`` is ``<=`` (both nothing)."""

EQUAL_ALLOWED = frozenset({("calculator", "clean_game")})
"""Pairs where equal scores are right (both reach nothing)."""
