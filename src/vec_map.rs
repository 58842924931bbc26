//! A map kept as a sorted `Vec`: the `BTreeMap` operations this crate uses, in the
//! same key order, with binary search.
//!
//! Every distinct map type costs the wasm module its own copy of the map's code, and a
//! `BTreeMap` or `HashMap` copy is several KB; this one is a few hundred bytes. The
//! maps it serves stay small: a client's requests in flight, a relay's rooms and
//! connections (hundreds, within the relay's limits), a connection's rate limiters.
//! Inserting or removing moves the entries after the position, a cheap copy at those
//! sizes; `cargo bench --bench relay` (1000 connections, 100 rooms) shows no slowdown.

use std::borrow::Borrow;

/// Values by key, in key order.
#[derive(Debug, Clone)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// The value of `key`, to change it.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    /// The value of `key`, inserted as `V::default()` when absent.
    pub fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Whether `key` is in the map.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets the value of `key`; returns the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Takes the value of `key` out.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keys and values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Values, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Values, in key order, to change them.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    /// Keys and values, in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_like_a_btree_map() {
        let mut ours = VecMap::new();
        let mut btree = BTreeMap::new();
        for (n, id) in ["3", "10", "1", "9", "10", "22", "2"].iter().enumerate() {
            assert_eq!(
                ours.insert(id.to_string(), n),
                btree.insert(id.to_string(), n)
            );
        }
        let same = |ours: &VecMap<String, usize>, btree: &BTreeMap<String, usize>| {
            assert!(ours.iter().eq(btree.iter()));
            assert!(ours.values().eq(btree.values()));
            assert_eq!(ours.len(), btree.len());
        };
        same(&ours, &btree);
        assert_eq!(ours.remove("9"), btree.remove("9"));
        assert_eq!(ours.remove("9"), None);
        assert_eq!(ours.get("22"), btree.get("22"));
        assert!(ours.contains_key("22") && !ours.contains_key("4"));
        *ours.get_or_default("4".into()) += 5;
        *btree.entry("4".into()).or_default() += 5;
        *ours.get_or_default("4".into()) += 1;
        *btree.entry("4".into()).or_default() += 1;
        if let Some(v) = ours.get_mut("3") {
            *v = 30;
        }
        btree.insert("3".into(), 30);
        ours.values_mut().for_each(|v| *v += 1);
        btree.values_mut().for_each(|v| *v += 1);
        ours.retain(|k, v| k != "1" && *v != 3);
        btree.retain(|k, v| k != "1" && *v != 3);
        same(&ours, &btree);
        assert!(ours.into_iter().eq(btree));
        assert!(VecMap::<u8, u8>::new().is_empty());
    }
}
