"""Consent signals: IAB TCF v2.2/2.3, US Privacy, GPP and Global Privacy Control, decoded
(cached by string) and turned into what serving may do (``policy.consent_decide``)."""
