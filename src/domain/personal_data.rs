//! Who sees commenters' personal data, and how it is masked: pure
//! decisions, used by the queue's views, the export and the filters.

use ipnet::IpNet;
use std::net::IpAddr;

/// How much of a commenter's personal data (email, IP address, user
/// agent) a viewer sees. With the setting `mask_personal_data` on, accounts
/// with the `moderator` role see it masked, in the queue, a comment's
/// detail, a decision's answer and the export; admins always see it all.
/// (The audit log never holds emails or addresses, so it has nothing to
/// mask.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalData {
    Full,
    Masked,
}

impl PersonalData {
    pub fn for_viewer(role: super::Role, mask_for_moderators: bool) -> PersonalData {
        if mask_for_moderators && role != super::Role::Admin {
            PersonalData::Masked
        } else {
            PersonalData::Full
        }
    }

    pub fn is_masked(self) -> bool {
        self == PersonalData::Masked
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PersonalData::Full => "full",
            PersonalData::Masked => "masked",
        }
    }
}

/// The prefixes a masked address keeps: an IPv4 /24, an IPv6 /48.
pub const MASKED_V4_PREFIX: u8 = 24;
pub const MASKED_V6_PREFIX: u8 = 48;

/// `layla@example.com` -> `l***@example.com`: the first character of the
/// local part and the domain. An erased (empty) email stays empty.
pub fn mask_email(email: &str) -> String {
    if email.is_empty() {
        return String::new();
    }
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// `192.0.2.55` -> `192.0.2.x`; `2001:db8:1:2::5` -> `2001:db8:1::x`
/// (the /24 or /48 network, which a mail provider or a city shares).
pub fn mask_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::x", s[0], s[1], s[2])
        }
    }
}

/// An address filter as a masked viewer may use it: never narrower than
/// what the mask shows (a /24 or /48), so filtering cannot recover the
/// hidden part of an address one query at a time. `ip=192.0.2.55` lists
/// the comments of `192.0.2.x`.
pub fn widen_to_mask(net: IpNet) -> IpNet {
    let max = match net {
        IpNet::V4(_) => MASKED_V4_PREFIX,
        IpNet::V6(_) => MASKED_V6_PREFIX,
    };
    if net.prefix_len() <= max {
        return net;
    }
    IpNet::new(net.addr(), max).map_or(net, |n| n.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_a_hint_and_hide_the_person() {
        assert_eq!(mask_email("layla@example.com"), "l***@example.com");
        assert_eq!(mask_email("سارة@example.com"), "س***@example.com");
        assert_eq!(mask_email(""), "");
        assert_eq!(mask_email("nobody"), "***");
        assert_eq!(mask_ip("192.0.2.55".parse().unwrap()), "192.0.2.x");
        assert_eq!(mask_ip("2001:db8:1:2::5".parse().unwrap()), "2001:db8:1::x");
    }

    #[test]
    fn a_masked_filter_is_never_narrower_than_the_mask() {
        let w = |s: &str| widen_to_mask(s.parse().unwrap()).to_string();
        assert_eq!(w("192.0.2.55/32"), "192.0.2.0/24");
        assert_eq!(w("192.0.2.128/25"), "192.0.2.0/24");
        assert_eq!(w("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(w("2001:db8:1:2::5/128"), "2001:db8:1::/48");
        assert_eq!(w("2001:db8::/32"), "2001:db8::/32");
    }

    #[test]
    fn only_moderators_are_masked_and_only_when_the_site_asks() {
        use crate::domain::Role;
        assert_eq!(
            PersonalData::for_viewer(Role::Moderator, true),
            PersonalData::Masked
        );
        assert_eq!(
            PersonalData::for_viewer(Role::Admin, true),
            PersonalData::Full
        );
        assert_eq!(
            PersonalData::for_viewer(Role::Moderator, false),
            PersonalData::Full
        );
    }
}
